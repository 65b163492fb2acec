"""One date format on every page, the admin included: ISO 8601 days and 24-hour times. Django reads this
module instead of its English formats (settings.FORMAT_MODULE_PATH); templates write `|date` or
`|date:"DATETIME_FORMAT"`, and date fields accept the same YYYY-MM-DD they show."""

DATE_FORMAT = SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i:s"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i:s"
DATE_INPUT_FORMATS = ["%Y-%m-%d"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
FIRST_DAY_OF_WEEK = 1

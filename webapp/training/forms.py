from django import forms
from django.conf import settings

from ml import methods
from ml.config import DEFAULT_TEACHER, get_option
from webapp.training import launches, options
from webapp.training.models import TrainingJob
from webapp.training.options import OPTIONS, OptionError

OTHER_TEACHERS = ["bert-base-uncased"]


class TeacherJobField(forms.ModelChoiceField):
    def label_from_instance(self, job):
        f1 = "" if job.test_f1 is None else f", test F1 {job.test_f1:.3f}"
        unfinished = "" if job.status == TrainingJob.Status.SUCCEEDED else f" ({job.status}: the new job waits for it)"
        return f"job {job.pk}: {job.teacher}{f1}{unfinished}"


class JobForm(forms.Form):
    """The launch form: method, teacher, dataset and every option of options.OPTIONS.

    Field types are checked here; the rules (ranges, combinations, a readable dataset) are ml's,
    applied by options.validate, whose errors land on the field they name.
    """

    method = forms.ChoiceField(choices=methods.choices, initial=methods.names()[0], help_text=get_option("method").help)
    teacher = forms.CharField(
        required=False,
        max_length=500,
        initial=settings.TOXILAB_TEACHER,
        widget=forms.TextInput(attrs={"list": "teacher-suggestions"}),
        help_text=get_option("teacher").help + " on the server",
    )
    teacher_job = TeacherJobField(
        queryset=None,
        required=False,
        empty_label="(none: use the teacher above)",
        label="or a teacher job",
        help_text="one that has not finished yet makes this job wait for it, and end with it if it fails",
    )
    dataset = forms.CharField(
        max_length=500, initial=settings.TOXILAB_DATASET, help_text=get_option("dataset").help + " on the server"
    )
    untrained_teacher_ok = forms.BooleanField(
        required=False,
        label="distil from this untrained teacher anyway",
        help_text="its classification head was never trained on toxic comments: the student learns little",
    )
    include_reviewed = forms.BooleanField(
        required=False,
        label="add the reviewed predictions",
        help_text="staff-reviewed predictions, with the reviewer's label, join the training split (texts already "
        "in the dataset are left out; validation and test are untouched)",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher_job"].queryset = launches.teacher_jobs()
        for option in OPTIONS:
            self.fields[option.name] = _field(option)

    def teacher_suggestions(self):
        return list(dict.fromkeys([settings.TOXILAB_TEACHER, DEFAULT_TEACHER, *OTHER_TEACHERS]))

    def groups(self):
        """The option fieldsets in the order of options.GROUPS, each with the methods it applies to."""
        groups = []
        for key, title in options.GROUPS.items():
            fields = [self[o.name] for o in OPTIONS if o.group == key]
            groups.append(
                {
                    "key": key,
                    "title": title,
                    "methods": options.group_methods(key),
                    "fields": fields,
                    "has_errors": any(field.errors for field in fields),
                }
            )
        return groups

    def clean(self):
        """The form's request built by launches.build (cleaned_data["launch"]), its errors on their fields."""
        data = super().clean()
        if self.errors:
            return data
        teacher_job = data.get("teacher_job")
        fields = {name: data.get(name) for name in ("method", "teacher", "dataset", "include_reviewed")}
        fields["teacher_job"] = teacher_job.pk if teacher_job else None
        for option in OPTIONS:  # an option left blank takes ml's default
            if data.get(option.name) not in (None, ""):
                fields[option.name] = data[option.name]
        try:
            data["launch"] = launches.build(fields)
        except OptionError as exc:
            for field, message in exc.errors.items():
                self.add_error(field if field in self.fields else None, message)
            return data
        if not data.get("untrained_teacher_ok") and launches.distils_from_untrained(data["launch"]):
            self.add_error("teacher", launches.untrained_warning(data["launch"]))
        return data

    def asks_about_the_teacher(self):
        """Whether to show the box that acknowledges an untrained teacher."""
        return bool(self["untrained_teacher_ok"].value()) or any("untrained" in e for e in self["teacher"].errors)

    @classmethod
    def initial_from(cls, job):
        """Initial values to launch a job like `job` (a copy to edit)."""
        initial = {name: value for name, value in job.config.items()}
        if job.reviewed_rows is not None:  # a copy takes the reviewed predictions as they are now
            initial["include_reviewed"] = True
            initial.pop("extra_train_file", None)
        for name, value in initial.items():  # list options (lora_target_modules, layers) are typed as "a,b"
            if isinstance(value, list):
                initial[name] = ",".join(map(str, value))
            elif isinstance(value, float):  # 1/3 reads 0.333333, not 0.3333333333333333
                initial[name] = f"{value:.6g}"
        if job.teacher_job_id:
            initial["teacher_job"] = job.teacher_job_id
            initial["teacher"] = ""
        return initial


def _field(option):
    """A form field for an ml option. Types are checked here, bounds by ml (so its messages show); the
    bounds also go into the input's min/max for the browser to hint."""
    help_text = "; ".join(part for part in (option.help, option.bounds) if part)
    common = {
        "required": False,
        "help_text": help_text,
        "label": option.name.replace("_", " "),
        "initial": option.default,
    }
    if option.kind is bool:
        return forms.BooleanField(**common)
    if option.choices:
        return forms.ChoiceField(choices=[(c, c) for c in option.choices], **common)
    if option.kind is int:
        return forms.IntegerField(widget=forms.NumberInput(attrs=_limits(option, step=1)), **common)
    if option.kind is float:
        return forms.FloatField(widget=forms.NumberInput(attrs=_limits(option, step="any")), **common)
    if option.kind is list:
        return forms.CharField(max_length=500, **{**common, "initial": ""})
    return forms.CharField(max_length=500, **common)


def _limits(option, step):
    if option.low is None:
        return {"step": step}
    return {"min": option.low, "max": option.high, "step": step}


class DescribeForm(forms.ModelForm):
    """A run's name and note, edited on its page."""

    class Meta:
        model = TrainingJob
        fields = ["name", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

"""CSV export of the review list's matches, streamed row by row.

Rows are read with a server-side cursor (`iterator(chunk_size=...)`) and written as they come, so a
large export never sits in memory. Cells that a spreadsheet would run as a formula (starting with
= + - @, a tab or a carriage return) are prefixed with a single quote.
"""

import csv

CHUNK_ROWS = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = [
    "id",
    "created",
    "text",
    "model_label",
    "toxic_probability",
    "model",
    "source",
    "reviewed_label",
    "final_label",
    "reviewed_by",
    "reviewed_at",
    "flag_count",
    "first_flagged_at",
]
FIELDS = [
    "id",
    "created",
    "text",
    "label",
    "toxic_probability",
    "model_version__name",
    "source",
    "reviewed_label",
    "reviewed_by__username",
    "reviewed_at",
    "flag_count",
    "first_flagged_at",
]


def neutralise(value):
    """A cell as a spreadsheet will show it, never run it: '=1+1' becomes "'=1+1"."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Line:
    """csv.writer's file: hands back each line written instead of storing it."""

    def write(self, line):
        return line


def lines(ordered):
    """The header and one CSV line per prediction of the ordered queryset."""
    writer = csv.writer(_Line())
    yield writer.writerow(COLUMNS)
    for row in ordered.values_list(*FIELDS).iterator(chunk_size=CHUNK_ROWS):
        record = dict(zip(FIELDS, row, strict=True))
        final = record["reviewed_label"] or record["label"]
        cells = [
            record["id"],
            record["created"].isoformat(),
            record["text"],
            record["label"],
            f"{record['toxic_probability']:.6f}",
            record["model_version__name"],
            record["source"],
            record["reviewed_label"],
            final,
            record["reviewed_by__username"],
            _iso(record["reviewed_at"]),
            record["flag_count"],
            _iso(record["first_flagged_at"]),
        ]
        yield writer.writerow([neutralise(cell) for cell in cells])


def _iso(moment):
    return moment.isoformat() if moment else ""


def chunks(line_iter, lines_per_chunk=200):
    """Lines joined into chunks of bytes, so the server writes a few large pieces, not one per row."""
    buffer = []
    for line in line_iter:
        buffer.append(line)
        if len(buffer) >= lines_per_chunk:
            yield "".join(buffer).encode()
            buffer = []
    if buffer:
        yield "".join(buffer).encode()

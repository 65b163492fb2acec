"""The dashboard's study form: the methods, seeds and one varied option, plus the options most
studies set; everything else takes ml's defaults (the API takes any option)."""

import json

from django import forms
from django.conf import settings

from ml import methods
from webapp.training.options import NAMES

VARIABLE = [name for name in NAMES if name not in ("method", "seed", "teacher", "dataset")]


# A small study to start from (a teacher and one student, one seed, a sample of the data): the whole
# grid on the full data queues days of jobs, so that takes a choice.
SMALL = {"methods": ["teacher", "odd"], "seeds": 1, "epochs": 1, "max_train_samples": 2000, "max_eval_samples": 500}


class StudyForm(forms.Form):
    methods = forms.MultipleChoiceField(
        choices=methods.choices, widget=forms.CheckboxSelectMultiple, initial=SMALL["methods"]
    )
    seeds = forms.IntegerField(min_value=1, max_value=20, initial=SMALL["seeds"])
    teacher = forms.CharField(initial=settings.TOXILAB_TEACHER)
    dataset = forms.CharField(initial=settings.TOXILAB_DATASET)
    epochs = forms.IntegerField(required=False, min_value=1, initial=SMALL["epochs"])
    max_train_samples = forms.IntegerField(required=False, min_value=1, initial=SMALL["max_train_samples"])
    max_eval_samples = forms.IntegerField(required=False, min_value=1, initial=SMALL["max_eval_samples"])
    layers = forms.CharField(
        required=False,
        max_length=200,
        label="layers (custom student)",
        help_text="the teacher layers the custom student copies, e.g. 0,2,4 (0-based); the other methods ignore it",
    )
    vary_option = forms.ChoiceField(
        required=False, label="Vary", choices=[("", "nothing")] + [(n, n) for n in VARIABLE]
    )
    vary_values = forms.CharField(required=False, label="Values", help_text="comma-separated, e.g. 1, 2, 4")

    def data_for_study(self):
        """The body of POST /api/v1/studies that this form stands for."""
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("vary_") and v not in (None, "")}
        if self.cleaned_data["vary_option"]:
            values = [_value(part) for part in self.cleaned_data["vary_values"].split(",") if part.strip()]
            data["vary"] = {"option": self.cleaned_data["vary_option"], "values": values}
        return data


def _value(text):
    """A number where the text is one (2, 0.5), else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text.strip()

from django import forms

from webapp.checker.classify import MAX_TEXT_LENGTH


class CheckForm(forms.Form):
    text = forms.CharField(
        label="Comment",
        max_length=MAX_TEXT_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "Paste a comment…", "autofocus": True}),
        error_messages={
            "required": "Enter a comment to check.",
            "max_length": "A comment can be at most %(limit_value)s characters (this one has %(show_value)s).",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # No maxlength attribute: a browser would silently cut a pasted comment; the server explains.
        self.fields["text"].widget.attrs.pop("maxlength", None)

    def clean_text(self):
        text = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError(self.fields["text"].error_messages["required"])
        return text

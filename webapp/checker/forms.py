from django import forms

from webapp.checker.classify import MAX_TEXT_LENGTH


class CheckForm(forms.Form):
    text = forms.CharField(
        label="Comment",
        max_length=MAX_TEXT_LENGTH,
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 6, "placeholder": "Paste a comment…", "autofocus": True, "aria-describedby": "char-count"}
        ),
        error_messages={
            "required": "Enter a comment to check.",
            "max_length": "A comment can be at most %(limit_value)s characters (this one has %(show_value)s).",
        },
    )

    def __init__(self, data=None, *args, **kwargs):
        # "Check the first 5,000 characters" (the button named `truncate`) cuts a longer comment here,
        # before the length is validated; the page says that only the start was checked.
        self.truncated = bool(data and data.get("truncate") and len(data.get("text", "")) > MAX_TEXT_LENGTH)
        if self.truncated:
            data = data.copy()
            data["text"] = data["text"][:MAX_TEXT_LENGTH]
        super().__init__(data, *args, **kwargs)
        # No maxlength attribute: a browser would silently cut a pasted comment; the server explains.
        self.fields["text"].widget.attrs.pop("maxlength", None)

    @property
    def too_long(self):
        """Whether the comment was refused for its length alone: the page offers to check its start."""
        return any(error.code == "max_length" for error in self.errors.as_data().get("text", []))

    def clean_text(self):
        text = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError(self.fields["text"].error_messages["required"])
        return text

"""Web forms. Limits come from memes.limits and values are checked by memes.checks, the same
rules the API and the services use."""

from typing import Any

from django import forms

from . import checks, limits
from .models import EMOTION_CHOICES


class UploadForm(forms.Form):
    # A plain FileField: checks.check_photo (in the service) does the checking and gives the clear
    # messages; the help text states the limits this server really has (from the environment).
    photo = forms.FileField(
        help_text=limits.photo_help_text_lazy(),
        widget=forms.ClearableFileInput(attrs={"accept": limits.ALLOWED_CONTENT_TYPES}),
    )
    topic = forms.CharField(
        required=False,
        max_length=limits.TOPIC_MAX_LENGTH,
        help_text="Optional: what the meme is about (e.g. mondays, exams, pizza).",
        widget=forms.TextInput(attrs={"placeholder": "mondays"}),
    )
    emotion = forms.ChoiceField(
        required=False,
        choices=[("", "Read it from the photo")] + EMOTION_CHOICES,
        label="Emotion",
        help_text="Leave as is to let the model read the face.",
    )

    def clean_topic(self) -> str:
        return checks.check_topic(self.cleaned_data.get("topic"))

    def clean_emotion(self) -> str:
        return checks.check_emotion(self.cleaned_data.get("emotion"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The page refuses a too-large file before sending it (static/js/app.js): the server would
        # only answer 413 after the browser started sending it (deepmeme_site.middleware).
        self.fields["photo"].widget.attrs.update(
            {
                "data-max-bytes": str(limits.upload_max_bytes()),
                "data-max-message": (
                    f"This file is too large: photos can be at most {limits.upload_limit_text()}."
                ),
            }
        )


class EditForm(forms.Form):
    top_text = forms.CharField(required=False, max_length=limits.TEXT_MAX_LENGTH, label="Top text")
    bottom_text = forms.CharField(required=False, max_length=limits.TEXT_MAX_LENGTH, label="Bottom text")
    font_size = forms.IntegerField(
        min_value=limits.FONT_SIZE_MIN,
        max_value=limits.FONT_SIZE_MAX,
        label="Font size (%)",
        widget=forms.NumberInput(
            attrs={"type": "range", "min": limits.FONT_SIZE_MIN, "max": limits.FONT_SIZE_MAX, "step": 5}
        ),
    )
    text_color = forms.CharField(label="Colour", widget=forms.TextInput(attrs={"type": "color"}))

    def clean_top_text(self) -> str:
        return checks.check_text(self.cleaned_data.get("top_text"), name="Top text")

    def clean_bottom_text(self) -> str:
        return checks.check_text(self.cleaned_data.get("bottom_text"), name="Bottom text")

    def clean_font_size(self) -> int:
        return checks.check_font_size(self.cleaned_data.get("font_size"))

    def clean_text_color(self) -> str:
        return checks.check_color(self.cleaned_data.get("text_color"))


class CommentForm(forms.Form):
    text = forms.CharField(
        max_length=limits.COMMENT_MAX_LENGTH,
        label="",
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Say something nice…"}),
    )

    def clean_text(self) -> str:
        return checks.check_comment_text(self.cleaned_data.get("text"))

from django import forms

from .models import EMOTION_CHOICES, TEXT_MAX_LENGTH
from .services import COMMENT_MAX_LENGTH, TOPIC_MAX_LENGTH


class UploadForm(forms.Form):
    # A plain FileField: services.check_photo does the checking and gives the clear messages.
    photo = forms.FileField(
        help_text="JPEG, PNG or WebP, up to 10 MB and 40 megapixels.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    topic = forms.CharField(
        required=False,
        max_length=TOPIC_MAX_LENGTH,
        help_text="Optional: what the meme is about (e.g. mondays, exams, pizza).",
        widget=forms.TextInput(attrs={"placeholder": "mondays"}),
    )
    emotion = forms.ChoiceField(
        required=False,
        choices=[("", "Read it from the photo")] + EMOTION_CHOICES,
        label="Emotion",
        help_text="Leave as is to let the model read the face.",
    )


class EditForm(forms.Form):
    top_text = forms.CharField(required=False, max_length=TEXT_MAX_LENGTH, label="Top text")
    bottom_text = forms.CharField(required=False, max_length=TEXT_MAX_LENGTH, label="Bottom text")
    font_size = forms.IntegerField(
        min_value=50,
        max_value=150,
        label="Font size (%)",
        widget=forms.NumberInput(attrs={"type": "range", "min": 50, "max": 150, "step": 5}),
    )
    text_color = forms.CharField(label="Colour", widget=forms.TextInput(attrs={"type": "color"}))


class CommentForm(forms.Form):
    text = forms.CharField(
        max_length=COMMENT_MAX_LENGTH,
        label="",
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Say something nice…"}),
    )

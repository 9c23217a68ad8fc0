"""Output shapes shared by several endpoints. Every address in them is absolute, so a mobile
client can use it as is (S3 URLs already are; local media gets this server's host)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ml.emotions import EMOTIONS
from ml.layout import ALIGNMENTS, CASES, VALIGNS

from .. import access, layouts, limits, selectors
from ..models import Comment, Meme

Probabilities = type(
    "Probabilities",
    (serializers.Serializer,),
    {e: serializers.FloatField(min_value=0, max_value=1) for e in EMOTIONS} | {"__module__": __name__},
)


class TextBoxSerializer(serializers.Serializer):
    """One text box of a meme's layout (ml.layout.TextBox). Positions and sizes are fractions of
    the picture; the first two boxes' texts are the meme's `top_text` and `bottom_text`."""

    text = serializers.CharField(max_length=limits.TEXT_MAX_LENGTH, allow_blank=True)
    x = serializers.FloatField(min_value=0, max_value=1, help_text="Left edge, a fraction of the width.")
    y = serializers.FloatField(min_value=0, max_value=1, help_text="Top edge, a fraction of the height.")
    width = serializers.FloatField(
        min_value=limits.BOX_MIN_SIDE, max_value=1, help_text="A fraction of the width; x + width <= 1."
    )
    height = serializers.FloatField(
        min_value=limits.BOX_MIN_SIDE, max_value=1, help_text="A fraction of the height; y + height <= 1."
    )
    size = serializers.IntegerField(
        min_value=limits.BOX_SIZE_MIN,
        max_value=limits.BOX_SIZE_MAX,
        help_text="Largest text size, % of the default; the text always shrinks to fit its box.",
    )
    color = serializers.RegexField(limits.COLOR_PATTERN, help_text="Fill colour, like #ffffff.")
    outline_color = serializers.RegexField(limits.COLOR_PATTERN, help_text="Outline colour, like #000000.")
    outline_width = serializers.IntegerField(
        min_value=0, max_value=limits.OUTLINE_WIDTH_MAX, help_text="Outline thickness, % of the font size."
    )
    align = serializers.ChoiceField(choices=ALIGNMENTS)
    case = serializers.ChoiceField(choices=CASES, help_text="`none` keeps the text as typed.")
    valign = serializers.ChoiceField(choices=VALIGNS, help_text="Where the text sits inside its box.")


@extend_schema_field(TextBoxSerializer(many=True, max_length=limits.BOXES_MAX))
class TextBoxesField(serializers.Field):
    """The whole layout, handed to memes.checks.check_boxes as it came: the one home of its rules,
    whose messages name the box and what is wrong. Keys left out of a box take their defaults."""

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


def absolute(context: dict[str, Any], url: str) -> str:
    return context["request"].build_absolute_uri(url)


def file_url(context: dict[str, Any], file: Any) -> str | None:
    return absolute(context, file.url) if file else None


class UserRefOutput(serializers.Serializer):
    username = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="The person's public profile.")

    def get_url(self, user: Any) -> str:
        return absolute(self.context, reverse("api:user-detail", args=[user.username]))


class MemeCardOutput(serializers.Serializer):
    """A meme in a list (feed, gallery)."""

    id = serializers.CharField(source="public_id")
    url = serializers.SerializerMethodField(help_text="This meme in the API.")
    web_url = serializers.SerializerMethodField(help_text="This meme's page on the web (for sharing).")
    owner = UserRefOutput()
    status = serializers.ChoiceField(choices=Meme.Status.choices)
    is_public = serializers.BooleanField()
    emotion = serializers.CharField(help_text="The emotion the caption was chosen for; empty until ready.")
    top_text = serializers.CharField()
    bottom_text = serializers.CharField()
    image_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    is_animated = serializers.BooleanField(
        help_text="An animated meme: image and thumbnail are animated WebP (otherwise JPEG)."
    )
    width = serializers.IntegerField(source="photo_width")
    height = serializers.IntegerField(source="photo_height")
    like_count = serializers.IntegerField(default=0)
    comment_count = serializers.IntegerField(default=0)
    liked = serializers.BooleanField(default=False, help_text="Whether the signed-in user likes it.")
    created_at = serializers.DateTimeField()

    def get_url(self, meme: Meme) -> str:
        return absolute(self.context, reverse("api:meme-detail", args=[meme.public_id]))

    def get_web_url(self, meme: Meme) -> str:
        return absolute(self.context, reverse("memes:detail", args=[meme.public_id]))

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_image_url(self, meme: Meme) -> str | None:
        return file_url(self.context, meme.image)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_thumbnail_url(self, meme: Meme) -> str | None:
        return file_url(self.context, meme.thumbnail)


class BoxOutput(serializers.Serializer):
    x = serializers.FloatField()
    y = serializers.FloatField()
    width = serializers.FloatField()
    height = serializers.FloatField()


class BoxPercentOutput(serializers.Serializer):
    left = serializers.FloatField()
    top = serializers.FloatField()
    width = serializers.FloatField()
    height = serializers.FloatField()


class FaceOutput(serializers.Serializer):
    index = serializers.IntegerField(help_text="1 for the largest face.")
    emotion = serializers.ChoiceField(choices=EMOTIONS)
    box = BoxOutput(help_text="In pixels of the photo (`width` x `height`).")
    box_percent = BoxPercentOutput(help_text="In percent of the photo, for overlays at any size.")
    probabilities = Probabilities(help_text="The ensemble's probability for each of the seven emotions.")


class SuggestedCaptionOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="Pass as `caption_id` to use this caption.")
    top_text = serializers.CharField()
    bottom_text = serializers.CharField()
    source = serializers.ChoiceField(
        choices=Meme.CaptionSource.choices,
        help_text="`model`: written by our captioner for this meme; `curated`: from our curated set.",
    )


class MemeOutput(MemeCardOutput):
    """A meme with everything its page shows. Poll it after upload until `finished`."""

    stage = serializers.CharField(help_text="What the job is doing right now.")
    failure_reason = serializers.CharField(help_text="Why it failed, when `status` is `failed`.")
    ready = serializers.BooleanField(source="is_ready")
    finished = serializers.BooleanField(source="is_finished", help_text="`ready` or `failed`: stop polling.")
    no_face = serializers.BooleanField(help_text="Ready, but no face was found in the photo.")
    emotion_override = serializers.CharField()
    topic = serializers.CharField()
    font_size = serializers.IntegerField()
    text_color = serializers.CharField()
    boxes = serializers.SerializerMethodField(
        help_text="The text layout, drawn in this order; empty until the meme is ready. "
        "PATCH it to move, restyle, add or remove boxes."
    )
    is_hidden = serializers.BooleanField(help_text="Hidden from public lists by a moderator.")
    is_owner = serializers.SerializerMethodField()
    faces = serializers.SerializerMethodField()
    caption_source = serializers.CharField(
        help_text="Who wrote the caption: `model` (our captioner) or `curated`; empty until ready."
    )
    suggested_captions = serializers.SerializerMethodField(
        help_text="Other captions (owner only, once ready): those the model wrote for this meme "
        "first, then curated ones; never the current one, and the same on every request."
    )
    updated_at = serializers.DateTimeField()

    def get_is_owner(self, meme: Meme) -> bool:
        return access.can_edit_meme(self.context["request"].user, meme)

    @extend_schema_field(TextBoxSerializer(many=True))
    def get_boxes(self, meme: Meme) -> list[dict[str, Any]]:
        if not meme.is_ready:
            return []
        return [box.to_dict() for box in layouts.meme_boxes(meme)]

    @extend_schema_field(FaceOutput(many=True))
    def get_faces(self, meme: Meme) -> list[dict[str, Any]]:
        if not meme.is_ready:
            return []
        faces = []
        for raw, shown in zip(meme.faces or [], selectors.meme_face_report(meme=meme), strict=False):
            x, y, w, h = (float(v) for v in raw.get("box", (0, 0, 0, 0)))
            probabilities = raw.get("probabilities", {})
            faces.append(
                {
                    "index": shown["index"],
                    "emotion": shown["emotion"],
                    "box": {"x": x, "y": y, "width": w, "height": h},
                    "box_percent": shown["box_percent"],
                    "probabilities": {e: float(probabilities.get(e, 0.0)) for e in EMOTIONS},
                }
            )
        return FaceOutput(faces, many=True).data

    @extend_schema_field(SuggestedCaptionOutput(many=True))
    def get_suggested_captions(self, meme: Meme) -> list[dict[str, Any]]:
        if not (self.get_is_owner(meme) and meme.is_ready):
            return []
        return SuggestedCaptionOutput(selectors.meme_caption_choices(meme=meme), many=True).data


class CommentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    user = UserRefOutput()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    can_delete = serializers.SerializerMethodField(help_text="The viewer may delete it.")

    def get_can_delete(self, comment: Comment) -> bool:
        return access.can_delete_comment(self.context["request"].user, comment)

"""Memes, their captions, likes and comments. Business logic lives in services/ and selectors.py;
every length and range comes from memes.limits."""

import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from ml.emotions import EMOTIONS

from . import limits
from .limits import TEXT_MAX_LENGTH

EMOTION_CHOICES = [(e, e.capitalize()) for e in EMOTIONS]


def new_public_id() -> str:
    # 11 url-safe characters (64 bits): unguessable, short enough for a share link.
    return secrets.token_urlsafe(8)


def _upload_path(kind: str, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    # Random names: nobody can list or guess another person's files.
    return f"{kind}/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}.{ext}"


def photo_upload_to(instance: "Meme", filename: str) -> str:
    return _upload_path("photos", filename)


def image_upload_to(instance: "Meme", filename: str) -> str:
    return _upload_path("memes", filename)


def thumbnail_upload_to(instance: "Meme", filename: str) -> str:
    return _upload_path("thumbs", filename)


class Meme(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class CaptionSource(models.TextChoices):
        MODEL = "model", "Model"
        CURATED = "curated", "Curated"

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memes")
    # Plain ints, set by services (an ImageField width_field would re-open the file on every load).
    # Indexed: local media is served only after finding the meme that owns the file.
    photo = models.ImageField(upload_to=photo_upload_to, db_index=True)
    photo_width = models.PositiveIntegerField(default=0)
    photo_height = models.PositiveIntegerField(default=0)
    image = models.ImageField(upload_to=image_upload_to, blank=True, db_index=True)
    thumbnail = models.ImageField(upload_to=thumbnail_upload_to, blank=True, db_index=True)
    # An animated GIF/WebP upload: photo, image and thumbnail are then animated WebP files (ml.animation),
    # drawn frame by frame, and the download keeps the animation.
    is_animated = models.BooleanField(default=False)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True)
    stage = models.CharField(max_length=60, blank=True, help_text="What the job is doing right now.")
    failure_reason = models.TextField(blank=True, help_text="Shown to the owner when the job failed.")
    # The job's attempt token: each new attempt (a retry, the sweeper restarting a lost job) takes
    # the next number, and a job runs only while its message carries the current one, so a stale
    # delivery (a killed worker's message handed out again) cannot revive a failed or retried meme.
    attempt = models.PositiveIntegerField(default=1, editable=False)
    # How often the sweeper restarted this attempt's job (its worker died): at most
    # MEME_JOB_MAX_ATTEMPTS - 1 times, then the meme is reported failed. A retry starts again at 0.
    restarts = models.PositiveSmallIntegerField(default=0, editable=False)

    # faces: ml.analyze(...).to_dict()["faces"], largest first; [] when no face was found.
    faces = models.JSONField(default=list, blank=True)
    emotion = models.CharField(max_length=16, choices=EMOTION_CHOICES, blank=True)
    emotion_override = models.CharField(max_length=16, choices=EMOTION_CHOICES, blank=True)
    topic = models.CharField(max_length=limits.TOPIC_MAX_LENGTH, blank=True)
    caption = models.ForeignKey(
        "Caption", null=True, blank=True, on_delete=models.SET_NULL, related_name="memes"
    )
    # Where the caption came from: the captioner model, or the curated set (its fallback, or the
    # owner's pick from it). Blank until the meme is made.
    caption_source = models.CharField(
        max_length=8, choices=CaptionSource.choices, blank=True, help_text="Who wrote the caption."
    )
    # Without a topic, what the photo shows (a confident ImageNet label) was offered to the
    # captioner as one; kept so "write another" asks about the same thing.
    photo_topic = models.CharField(max_length=limits.TOPIC_MAX_LENGTH, blank=True)
    top_text = models.CharField(max_length=TEXT_MAX_LENGTH, blank=True)
    bottom_text = models.CharField(max_length=TEXT_MAX_LENGTH, blank=True)
    font_size = models.PositiveSmallIntegerField(
        default=limits.FONT_SIZE_DEFAULT,
        validators=[MinValueValidator(limits.FONT_SIZE_MIN), MaxValueValidator(limits.FONT_SIZE_MAX)],
        help_text="Largest text size in percent of the default; text always shrinks to fit.",
    )
    text_color = models.CharField(
        max_length=7,
        default=limits.COLOR_DEFAULT,
        validators=[RegexValidator(limits.COLOR_PATTERN, limits.COLOR_MESSAGE)],
    )
    # The text layout: ml.layout.TextBox dicts (text, x, y, width, height as fractions of the
    # picture, size, colours, outline, alignment, case), checked by memes.checks.check_boxes.
    # top_text/bottom_text are the first two boxes' texts (memes.layouts keeps them in step);
    # None for memes made before layouts: they get the default layout from those fields.
    boxes = models.JSONField(null=True, blank=True, default=None)

    is_public = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False, help_text="Hidden by a moderator from every public list.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["is_public", "is_hidden", "status", "-created_at"], name="meme_feed_idx")
        ]
        # Moderation is its own permission (memes.access.can_moderate), not `is_staff`: staff with
        # no permissions see nothing private and change nothing; grant it to a user or a group.
        permissions = [
            ("moderate_meme", "Can moderate memes: see private ones, hide, unhide, delete, decide reports")
        ]

    def __str__(self) -> str:
        return f"Meme {self.public_id} ({self.status})"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)

    @property
    def no_face(self) -> bool:
        return self.is_ready and not self.faces


class Caption(models.Model):
    class Source(models.TextChoices):
        SEED = "seed", "Seed"
        IMPORTED = "imported", "Imported"
        SUGGESTED = "suggested", "Suggested"
        GENERATED = "generated", "Generated"

    text = models.CharField(
        max_length=TEXT_MAX_LENGTH,
        help_text='"TOP | BOTTOM"; {topic} is replaced by the meme\'s topic.',
    )
    emotion = models.CharField(max_length=16, choices=EMOTION_CHOICES, db_index=True)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.SEED, db_index=True)
    approved = models.BooleanField(default=False, db_index=True)
    times_used = models.PositiveIntegerField(default=0)
    # Likes by people other than the meme's owner: liking your own meme says nothing about its caption.
    likes = models.PositiveIntegerField(default=0, help_text="Likes by others (own likes don't count).")
    # A caption the model wrote for this meme (source "generated", unapproved until a curator
    # promotes it); only that meme's owner may pick it before then.
    generated_for = models.ForeignKey(
        Meme, null=True, blank=True, on_delete=models.SET_NULL, related_name="generated_captions"
    )
    # Who proposed a "suggested" caption (API), so curators can see where suggestions come from.
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suggested_captions",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["emotion", "text"]
        constraints = [models.UniqueConstraint(fields=["emotion", "text"], name="caption_unique_per_emotion")]

    def __str__(self) -> str:
        return f"[{self.emotion}] {self.text}"

    @property
    def has_topic(self) -> bool:
        return "{topic}" in self.text


class Like(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="likes")
    meme = models.ForeignKey(Meme, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "meme"], name="like_once")]

    def __str__(self) -> str:
        return f"{self.user} likes {self.meme_id}"


class Comment(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments")
    meme = models.ForeignKey(Meme, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField(max_length=limits.COMMENT_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.user}: {self.text[:40]}"


class Report(models.Model):
    """Someone flagged a meme for the moderators. One per person and meme."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam or advertising"
        OFFENSIVE = "offensive", "Offensive or hateful"
        PRIVACY = "privacy", "Shows someone without their consent"
        COPYRIGHT = "copyright", "Uses someone else's work"
        OTHER = "other", "Something else"

    class Resolution(models.TextChoices):
        DISMISSED = "dismissed", "Dismissed"
        HIDDEN = "hidden", "Meme hidden"

    meme = models.ForeignKey(Meme, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(max_length=12, choices=Reason.choices)
    note = models.TextField(max_length=limits.REPORT_NOTE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Blank while open. A deleted meme takes its reports with it.
    resolution = models.CharField(max_length=12, choices=Resolution.choices, blank=True, db_index=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["meme", "reporter"], name="report_once")]

    def __str__(self) -> str:
        return f"{self.reporter} reported {self.meme_id}: {self.reason}"

"""Every limit on what people send, written once. Models, forms, serializers, services, templates,
admin and the API docs read them from here, so a limit and the text that tells people about it
can never disagree. Upload limits come from the environment (settings), so they are functions."""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import lazy

TEXT_MAX_LENGTH = 200  # a meme's top/bottom text, and a caption
TOPIC_MAX_LENGTH = 60
COMMENT_MAX_LENGTH = 500
REPORT_NOTE_MAX_LENGTH = 500

# Captions (memes.captioner, memes.services.captions, memes.selectors)
MODEL_CAPTIONS_PER_MEME = 1  # the best of the model's ~4 sampled, filtered, reranked candidates
MODEL_CAPTION_TRIES = 2  # a draw that repeats the person's previous caption is drawn once more
WRITE_ANOTHER_COUNT = 3  # fresh model captions per "Write another"
CAPTION_CHOICES = 6  # curated "other captions" on a meme's page and in the API

FONT_SIZE_MIN = 50  # percent of the default text size
FONT_SIZE_MAX = 150
FONT_SIZE_DEFAULT = 100

COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"
COLOR_MESSAGE = "Use a colour like #ffffff."
COLOR_DEFAULT = "#ffffff"

# The text layout (memes.checks.check_boxes, the editor, the API). Positions are fractions of the
# picture; a box's size is percent of the default text size, its outline percent of the font size.
BOXES_MAX = 6
BOX_MIN_SIDE = 0.05  # a box narrower or shorter than this could not hold a readable letter
BOX_SIZE_MIN = 20
BOX_SIZE_MAX = 200
OUTLINE_WIDTH_MAX = 20

WORKING_MAX_SIDE = 4096  # memes are for screens; bounds render time and storage
# The longer side at most this many times the shorter: a 20000x100 strip would become an
# unreadable 4096x20 meme, while phone panoramas (about 4:1 to 8:1) still fit.
MAX_ASPECT_RATIO = 10
# Pillow's format name -> the name people know. MPO: the JPEGs many phones write.
ALLOWED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "MPO": "JPEG", "GIF": "GIF"}
ALLOWED_FORMATS_TEXT = "JPEG, PNG, WebP or GIF"
ALLOWED_CONTENT_TYPES = "image/jpeg,image/png,image/webp,image/gif"  # the file picker's `accept`

# Animated GIF and WebP (memes.checks.check_photo). Every frame is decoded, drawn on and encoded
# again, so these bound one job's work and memory: the pixel budget is checked from the header
# before anything is decoded, the playing time once the frames are read (it is stored per frame).
# Formats whose extra frames are an animation (APNG is a PNG). An MPO's second frame is a phone's
# depth map or preview, not a frame: it stays a still photo.
ANIMATED_FORMATS = frozenset({"GIF", "WEBP", "PNG"})
ANIMATION_MAX_FRAMES = 150
ANIMATION_MAX_SECONDS = 20
ANIMATION_MAX_PIXELS = 40_000_000  # width x height x frames, as uploaded
# Frames are worked on at most this big: the feed's thumbnail size, so the meme is its own
# thumbnail (encoded once), and most GIFs are this size anyway. The job's cost grows with the
# frames' pixels: BENCHMARKS.md ("Animated memes") measures the largest animation allowed.
ANIMATION_MAX_SIDE = 480


def upload_max_bytes() -> int:
    return int(settings.MEME_MAX_UPLOAD_BYTES)


def upload_max_pixels() -> int:
    return int(settings.MEME_MAX_PIXELS)


def megabytes_text(size: int) -> str:
    """A byte count as people read it: 10485760 -> "10 MB", 1572864 -> "1.5 MB"."""
    return f"{round(size / 1_048_576, 1):g} MB"


def upload_limit_text() -> str:
    return megabytes_text(upload_max_bytes())


def pixel_limit_text() -> str:
    return f"{round(upload_max_pixels() / 1e6, 1):g} megapixels"


def animation_limit_text() -> str:
    return (
        f"{ANIMATION_MAX_FRAMES} frames, {ANIMATION_MAX_SECONDS} seconds and "
        f"{ANIMATION_MAX_PIXELS / 1e6:g} megapixels in all frames together"
    )


def photo_help_text() -> str:
    return (
        f"{ALLOWED_FORMATS_TEXT}, up to {upload_limit_text()} and {pixel_limit_text()}; "
        f"an animation up to {animation_limit_text()}."
    )


# For help texts built at import time (form and serializer fields): evaluated when shown, so they
# follow the settings of the running process (and of a test's override).
photo_help_text_lazy = lazy(photo_help_text, str)

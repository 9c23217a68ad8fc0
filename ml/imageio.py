"""The one place images are decoded: open, decode completely, turn upright, 8-bit RGB.

Upload checks (memes.checks), face detection (ml.faces) and rendering (ml.render) all read pixels
through here, so a photo looks the same to each of them: EXIF orientation applied, a 16-bit PNG scaled
(not clipped) to 8 bits, transparency laid on white, and a truncated file refused rather than half
drawn. Animated GIF and WebP come out as every frame plus its duration (`read_frames`).

Every failure is one error type, `ImageLoadError`, whose `code` says which kind it was, so a caller
can word its own message. Plain Pillow, no Django.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

ImageSource = Image.Image | bytes | bytearray | str | Path | BinaryIO
ErrorCode = Literal["unreadable", "damaged", "too_large"]

# Browsers draw a GIF/WebP frame of 0-10 ms for 100 ms (a legacy of early GIF players); we store
# what people saw, so the durations and the total-duration limit match the browser.
MIN_FRAME_MS = 20
SHORT_FRAME_MS = 100


class ImageLoadError(ValueError):
    """The input could not be read as an image. `code`: "unreadable" (not an image we know),
    "damaged" (truncated or corrupt data) or "too_large" (Pillow's decompression-bomb guard)."""

    def __init__(self, message: str, *, code: ErrorCode = "unreadable") -> None:
        super().__init__(message)
        self.code: ErrorCode = code


@dataclass(frozen=True)
class ImageInfo:
    """What the header says, before any pixel is decoded."""

    format: str  # Pillow's name: "JPEG", "PNG", "WEBP", "GIF", "MPO", ...
    width: int  # as stored (EXIF orientation not applied yet)
    height: int
    frames: int  # 1 for a still image

    @property
    def is_animated(self) -> bool:
        return self.frames > 1

    @property
    def pixels(self) -> int:
        return self.width * self.height


@dataclass(frozen=True)
class Frames:
    """An animation decoded: every frame composited, upright, RGB, all the same size."""

    images: list[Image.Image]
    durations: list[int]  # milliseconds per frame
    loop: int  # 0 = forever, n = play n times

    @property
    def size(self) -> tuple[int, int]:
        return self.images[0].size

    @property
    def total_ms(self) -> int:
        return sum(self.durations)

    def __len__(self) -> int:
        return len(self.images)


def _open(source: ImageSource) -> Image.Image:
    """Pillow's lazy open (header only), with every failure turned into ImageLoadError."""
    try:
        if isinstance(source, Image.Image):
            return source
        if isinstance(source, bytes | bytearray):
            return Image.open(io.BytesIO(source))
        if isinstance(source, str | Path) or hasattr(source, "read"):
            return Image.open(source)
    except Image.DecompressionBombError as e:
        raise ImageLoadError(f"image is too large: {e}", code="too_large") from e
    # Pillow raises SyntaxError on some malformed headers; a missing path is an OSError.
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise ImageLoadError(f"cannot read image: {e}") from e
    raise ImageLoadError(f"unsupported image input: {type(source).__name__}")


def _decoded(image: Image.Image) -> None:
    """Decode the current frame now, so truncated or corrupt data fails here, not later."""
    try:
        image.load()
    except Image.DecompressionBombError as e:
        raise ImageLoadError(f"image is too large: {e}", code="too_large") from e
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise ImageLoadError(f"image data is damaged or incomplete: {e}", code="damaged") from e


def probe(source: ImageSource) -> ImageInfo:
    """Format, stored size and frame count from the header alone (cheap; nothing is decoded)."""
    image = _open(source)
    try:
        frames = int(getattr(image, "n_frames", 1) or 1)
    except (OSError, SyntaxError, ValueError, EOFError) as e:  # a GIF cut short while counting
        raise ImageLoadError(f"image data is damaged or incomplete: {e}", code="damaged") from e
    return ImageInfo(format=image.format or "", width=image.width, height=image.height, frames=frames)


def to_8bit(image: Image.Image) -> Image.Image:
    """16-bit greyscale (a 16-bit PNG) scaled down to "L". Pillow's plain convert clips it at 255
    instead, which turns nearly the whole picture white. Other images are returned as they are."""
    if image.mode.startswith("I;16") or (image.mode == "I" and image.getextrema()[1] > 255):
        return image.convert("I").point(lambda v: v / 257).convert("L")
    return image


def flatten(image: Image.Image) -> Image.Image:
    """8-bit RGB, with any transparency laid on white (JPEG has no alpha)."""
    image = to_8bit(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB") if image.mode != "RGB" else image


# EXIF orientation -> the turn that makes the picture upright (as ImageOps.exif_transpose does).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(ExifTags.Base.Orientation, 1) or 1)
    except (OSError, SyntaxError, ValueError, TypeError):  # a broken EXIF block is no orientation
        return 1


def open_upright(source: ImageSource) -> Image.Image:
    """The (first) frame decoded completely and turned upright by its EXIF orientation, in whatever
    mode it has. Most callers want `open_image`."""
    image = _open(source)
    _decoded(image)
    if _orientation(image) != 1:
        image = ImageOps.exif_transpose(image)  # an upright copy without the tag
    return image


def open_image(source: ImageSource) -> Image.Image:
    """The picture as a person sees it on their phone: decoded completely, EXIF-oriented, 8-bit RGB.
    For an animation this is its first frame (see `read_frames` for all of them)."""
    return flatten(open_upright(source))


def frame_duration(ms: int | float | None) -> int:
    """A frame's duration as browsers play it (see SHORT_FRAME_MS)."""
    ms = int(ms or 0)
    return SHORT_FRAME_MS if ms < MIN_FRAME_MS else ms


def read_frames(source: ImageSource, *, max_side: int | None = None) -> Frames:
    """Every frame of an animated GIF/WebP (a still image gives one frame), each composited over the
    ones before it as a browser shows it, upright, 8-bit RGB, shrunk to `max_side` as it is decoded
    (so memory holds only the working copies), with its duration in milliseconds."""
    image = _open(source)
    turn = _UPRIGHT.get(_orientation(image))  # one EXIF block for the whole animation
    count = int(getattr(image, "n_frames", 1) or 1)
    images: list[Image.Image] = []
    durations: list[int] = []
    for index in range(count):
        try:
            image.seek(index)
        except (OSError, SyntaxError, ValueError, EOFError) as e:
            raise ImageLoadError(f"frame {index + 1} is damaged or missing: {e}", code="damaged") from e
        _decoded(image)
        frame = flatten(image).copy()  # a copy: the next seek reuses Pillow's buffer
        if turn is not None:
            frame = frame.transpose(turn)
        if max_side and max(frame.size) > max_side:
            frame.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        images.append(frame)
        durations.append(frame_duration(image.info.get("duration")))
    # GIF without a NETSCAPE block plays once; Pillow then has no "loop" at all.
    loop = image.info.get("loop")
    return Frames(images=images, durations=durations, loop=1 if loop is None else int(loop))

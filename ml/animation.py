"""Animated memes: the caption on every frame, the face read on one key frame, animated WebP out.

Frames come from `ml.imageio.read_frames` (composited, upright, RGB, all one size). Drawing is
whatever still-image renderer the caller passes (`ml.render`), called once per frame, so a still
meme and an animated one are drawn by the same code with the same text boxes.

Why animated WebP and not GIF out: WebP keeps 24-bit colour per frame, where GIF has a 256-colour
palette per frame (photos band or dither, and the anti-aliased text outline gets a fringe), and lossy
WebP files are several times smaller than GIF at the same look (BENCHMARKS.md: ml/animation). Every
current browser plays it in a plain <img>, so the feed's thumbnail animates and the download is the
same animated file. Plain Pillow, no Django.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from PIL import Image

from ml.imageio import Frames

WEBP_QUALITY = 80  # lossy: photo-like GIF frames compress far better than lossless, no visible loss
WEBP_METHOD = (
    2  # libwebp speed/size (0 fast .. 6 small): 2 costs ~35 % less CPU than the default 4 for ~4 % more bytes
)
# The stored clean copy of an animated upload is encoded inside the upload request, and only ever
# read back by the job: higher quality, libwebp's fastest method (about 40 % less CPU than 2).
PHOTO_WEBP_QUALITY = 90
PHOTO_WEBP_METHOD = 0
KEY_FRAME_SAMPLES = 5  # frames looked at when choosing the one the face is read on


class _Analysis(Protocol):
    @property
    def faces(self) -> Sequence[Any]: ...


def sample_indices(count: int, samples: int = KEY_FRAME_SAMPLES) -> list[int]:
    """Up to `samples` frame numbers spread evenly over `count` frames, middle one first."""
    if count <= 0:
        return []
    if count <= samples:
        picks = list(range(count))
    else:
        picks = sorted({round(i * (count - 1) / (samples - 1)) for i in range(samples)})
    middle = count // 2
    picks = sorted(set(picks) | {middle}, key=lambda i: (i != middle, i))
    return picks[: max(samples, 1)]


A = TypeVar("A", bound=_Analysis)


def _largest_face_area(analysis: _Analysis) -> float:
    areas = [float(face.box[2]) * float(face.box[3]) for face in analysis.faces]
    return max(areas, default=0.0)


def pick_key_frame(
    frames: Sequence[Image.Image], *, analyze: Callable[[Image.Image], A], samples: int = KEY_FRAME_SAMPLES
) -> tuple[int, A]:
    """The frame the expression is read on, and its analysis.

    The middle frame alone often catches a blink, a turned head or a transition; the frame whose
    largest face is biggest gives the classifier the most pixels of the face, which is what its
    accuracy depends on. So a few frames spread over the clip are analysed and the one with the
    biggest face wins; with no face anywhere it is the middle frame (ties keep the middle one too).
    Cost: at most `samples` analyses, whatever the frame count."""
    best: tuple[int, A] | None = None
    best_area = -1.0
    for index in sample_indices(len(frames), samples):
        analysis = analyze(frames[index])
        area = _largest_face_area(analysis)
        if area > best_area:
            best, best_area = (index, analysis), area
    if best is None:
        raise ValueError("an animation needs at least one frame")
    return best


def render_frames(frames: Frames, draw: Callable[[Image.Image], Image.Image]) -> Frames:
    """`draw` (e.g. a render.render_meme partial with the meme's texts) applied to every frame;
    durations and loop count stay as they were."""
    return Frames(
        images=[draw(frame) for frame in frames.images], durations=list(frames.durations), loop=frames.loop
    )


def shrink(frames: Frames, max_side: int) -> Frames:
    """Every frame fitted inside max_side x max_side (thumbnails), timing unchanged."""
    images = []
    for frame in frames.images:
        small = frame.copy()
        small.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        images.append(small)
    return Frames(images=images, durations=list(frames.durations), loop=frames.loop)


def to_webp(frames: Frames, *, quality: int = WEBP_QUALITY, method: int = WEBP_METHOD) -> bytes:
    """Animated WebP bytes with the frames' durations and loop count, and no metadata: Pillow's
    WebP writer takes EXIF, ICC and XMP only from save() arguments, and none are passed, so nothing
    leaks from the upload (and no copy of every frame is needed to strip it)."""
    first, *rest = [f if f.mode == "RGB" else f.convert("RGB") for f in frames.images]
    out = io.BytesIO()
    first.save(
        out,
        format="WEBP",
        save_all=True,
        append_images=rest,
        duration=list(frames.durations),
        loop=frames.loop,
        quality=quality,
        method=method,
    )
    return out.getvalue()


def to_photo_webp(frames: Frames) -> bytes:
    """The stored clean copy of an animated upload (see PHOTO_WEBP_QUALITY)."""
    return to_webp(frames, quality=PHOTO_WEBP_QUALITY, method=PHOTO_WEBP_METHOD)

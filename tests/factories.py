"""Test data builders: users, photos (real encoded bytes), memes and a stand-in analysis."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from memes.models import Caption, Meme
from ml import render
from ml.emotions import EMOTIONS

PASSWORD = "correct-horse-battery-9"
_counter = itertools.count(1)


def make_user(username: str | None = None, **extra: Any) -> Any:
    username = username or f"user{next(_counter)}"
    return get_user_model().objects.create_user(
        username=username, email=f"{username}@example.com", password=PASSWORD, **extra
    )


def photo_bytes(
    size: tuple[int, int] = (640, 480),
    fmt: str = "JPEG",
    color: tuple[int, int, int] = (120, 160, 200),
    **save: Any,
) -> bytes:
    image = Image.new("RGB", size, color)
    # A gradient so re-encodes and renders differ measurably from the source.
    for x in range(0, size[0], max(1, size[0] // 32)):
        image.paste((x % 256, 80, 255 - x % 256), (x, 0, x + 4, size[1]))
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def face_photo_bytes() -> bytes:
    """A real photo with one face (scikit-image's astronaut, public domain), as JPEG."""
    from skimage import data

    out = io.BytesIO()
    Image.fromarray(data.astronaut()).save(out, format="JPEG", quality=92)
    return out.getvalue()


def animated_photo_bytes(
    frames: int = 6,
    size: tuple[int, int] = (160, 120),
    fmt: str = "GIF",
    duration: int | list[int] = 80,
    loop: int = 0,
) -> bytes:
    """An animated GIF/WebP: a white bar sweeping across a coloured field, one step a frame."""
    images = []
    for i in range(frames):
        image = Image.new("RGB", size, (40 + (150 * i) // max(1, frames), 90, 160))
        x = (size[0] * i) // max(1, frames)
        image.paste((255, 255, 255), (x, 0, x + max(2, size[0] // 10), size[1]))
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, format=fmt, save_all=True, append_images=images[1:], duration=duration, loop=loop)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@dataclass
class FakeFace:
    box: tuple[float, float, float, float]
    probabilities: dict[str, float]
    landmarks: list[tuple[float, float]] = field(default_factory=list)

    @property
    def emotion(self) -> str:
        return max(self.probabilities, key=self.probabilities.__getitem__)


@dataclass
class FakeAnalysis:
    """The shape of ml.analyze's result, for unit tests of our own logic (never end-to-end)."""

    width: int
    height: int
    faces: list[FakeFace]

    def to_dict(self) -> dict[str, Any]:
        return {
            "width": self.width,
            "height": self.height,
            "faces": [
                {
                    "box": list(f.box),
                    "landmarks": [list(p) for p in f.landmarks],
                    "probabilities": f.probabilities,
                    "member_probabilities": {},
                    "emotion": f.emotion,
                }
                for f in self.faces
            ],
        }


def fake_analyzer(emotion: str | None = "happy") -> Any:
    """An analyzer that finds one face showing `emotion` (or none when emotion is None)."""

    def analyze(image: Image.Image) -> FakeAnalysis:
        if emotion is None:
            return FakeAnalysis(image.width, image.height, [])
        probs = {e: (0.7 if e == emotion else 0.05) for e in EMOTIONS}
        box = (image.width * 0.3, image.height * 0.2, image.width * 0.3, image.height * 0.4)
        return FakeAnalysis(image.width, image.height, [FakeFace(box, probs)])

    return analyze


def make_meme(
    owner: Any = None, *, public: bool = True, status: str = Meme.Status.READY, **fields: Any
) -> Meme:
    """A finished meme with real (tiny) files, without running the pipeline."""
    owner = owner or make_user()
    meme = Meme(owner=owner, status=status, is_public=public, photo_width=64, photo_height=48, **fields)
    meme.emotion = meme.emotion or "happy"
    image = render.open_image(photo_bytes((64, 48)))
    meme.photo.save("p.jpg", ContentFile(render.to_jpeg(image)), save=False)
    if status == Meme.Status.READY:
        meme.image.save("m.jpg", ContentFile(render.to_jpeg(image)), save=False)
        meme.thumbnail.save("t.jpg", ContentFile(render.to_jpeg(image)), save=False)
    meme.save()
    return meme


def make_caption(
    text: str = "Top | bottom", emotion: str = "happy", approved: bool = True, **fields: Any
) -> Caption:
    return Caption.objects.create(text=text, emotion=emotion, approved=approved, **fields)

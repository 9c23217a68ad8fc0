"""ml.animation: text on every frame, timing kept, the face read on the frame that shows it best."""

from __future__ import annotations

import io
from functools import partial
from types import SimpleNamespace

import numpy as np
from PIL import Image

from ml import animation, imageio, render
from ml.faces import detect_faces
from ml.imageio import Frames

COLORS = [(200, 40, 40), (40, 160, 40), (40, 40, 200), (120, 120, 120), (200, 200, 40)]


def colored_frames(count: int, size: tuple[int, int] = (160, 120)) -> Frames:
    images = [Image.new("RGB", size, COLORS[i % len(COLORS)]) for i in range(count)]
    return Frames(images=images, durations=[40 + 10 * i for i in range(count)], loop=3)


def test_render_frames_draws_the_text_on_every_frame_and_keeps_the_timing() -> None:
    frames = colored_frames(5)
    drawn = animation.render_frames(frames, partial(render.render_meme, top_text="TOP", bottom_text="END"))
    assert len(drawn) == 5 and drawn.durations == frames.durations and drawn.loop == 3
    for before, after in zip(frames.images, drawn.images, strict=True):
        changed = np.abs(np.asarray(after).astype(int) - np.asarray(before)).sum(axis=2) > 60
        top, bottom = changed[:40].mean(), changed[-40:].mean()
        assert top > 0.02 and bottom > 0.02, (top, bottom)  # both captions on this frame
        assert not changed[55:65].any()  # the middle stays the picture


def test_webp_round_trip_keeps_frames_durations_loop_and_no_metadata() -> None:
    frames = colored_frames(4)
    data = animation.to_webp(frames)
    out = Image.open(io.BytesIO(data))
    assert out.format == "WEBP" and out.n_frames == 4 and out.info["loop"] == 3
    decoded = imageio.read_frames(data)
    assert decoded.durations == frames.durations
    for image, color in zip(decoded.images, COLORS, strict=False):
        assert np.abs(np.asarray(image).reshape(-1, 3).mean(axis=0) - color).max() < 12
    assert b"EXIF" not in data and b"XMP " not in data and b"ICCP" not in data


def test_metadata_of_the_upload_never_reaches_the_output() -> None:
    exif = Image.Exif()
    exif[0x010F] = "SecretPhone"
    exif.get_ifd(0x8825)[2] = (51.0, 30.0, 0.0)  # GPS latitude
    source = io.BytesIO()
    first, *rest = colored_frames(3).images
    first.save(source, format="WEBP", save_all=True, append_images=rest, exif=exif.tobytes(), duration=50)
    assert b"SecretPhone" in source.getvalue()
    frames = imageio.read_frames(source.getvalue())
    frames.images[0].info["exif"] = exif.tobytes()  # even if a frame still carried it
    data = animation.to_webp(frames)
    assert b"SecretPhone" not in data and b"EXIF" not in data
    assert not Image.open(io.BytesIO(data)).getexif()


def test_shrink_fits_every_frame() -> None:
    small = animation.shrink(colored_frames(3, (960, 480)), 480)
    assert [f.size for f in small.images] == [(480, 240)] * 3 and small.durations == [40, 50, 60]


def test_sample_indices_spread_over_the_clip_middle_first() -> None:
    assert animation.sample_indices(1) == [0]
    assert animation.sample_indices(3) == [1, 0, 2]
    picks = animation.sample_indices(100, 5)
    assert picks[0] == 50 and len(picks) == 5 and {0, 99} <= set(picks)


def _fake_analysis(areas: dict[int, float]):
    def analyze(frame: Image.Image) -> SimpleNamespace:
        side = areas.get(frame.info["index"], 0.0) ** 0.5
        return SimpleNamespace(faces=[SimpleNamespace(box=(0, 0, side, side))] if side else [])

    return analyze


def _indexed(count: int) -> list[Image.Image]:
    images = []
    for i in range(count):
        image = Image.new("RGB", (8, 8))
        image.info["index"] = i
        images.append(image)
    return images


def test_key_frame_is_the_one_with_the_biggest_face() -> None:
    index, analysis = animation.pick_key_frame(_indexed(9), analyze=_fake_analysis({0: 100.0, 8: 900.0}))
    assert index == 8 and analysis.faces[0].box[2] == 30.0


def test_key_frame_without_any_face_is_the_middle_one() -> None:
    index, analysis = animation.pick_key_frame(_indexed(9), analyze=_fake_analysis({}))
    assert index == 4 and analysis.faces == []


def test_key_frame_on_real_faces(astronaut: Image.Image) -> None:
    # Frames: an empty wall, the astronaut small, the astronaut large. The real detector must pick
    # the large one, though the middle (small) frame has a face too.
    wall = Image.new("RGB", (512, 512), (128, 128, 128))
    small = wall.copy()
    small.paste(astronaut.resize((200, 200)), (0, 0))
    frames = [wall, small, astronaut]
    calls = []

    def analyze(frame: Image.Image) -> SimpleNamespace:
        calls.append(frame)
        return SimpleNamespace(faces=detect_faces(frame))

    index, analysis = animation.pick_key_frame(frames, analyze=analyze)
    assert index == 2 and len(analysis.faces) == 1 and len(calls) == 3

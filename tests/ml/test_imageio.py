"""ml.imageio: the one place images are decoded (upright, complete, 8-bit RGB, every frame)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ml import faces, imageio, render
from ml.imageio import ImageLoadError

COLORS = [(220, 30, 30), (30, 200, 30), (30, 30, 220), (240, 220, 20)]


def gif_bytes(durations: list[int], *, loop: int | None = 0, size: tuple[int, int] = (64, 48)) -> bytes:
    frames = [Image.new("RGB", size, COLORS[i % len(COLORS)]) for i in range(len(durations))]
    out = io.BytesIO()
    extra = {} if loop is None else {"loop": loop}
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=durations, **extra)
    return out.getvalue()


def webp_bytes(durations: list[int], *, size: tuple[int, int] = (64, 48), exif: bytes = b"") -> bytes:
    frames = [Image.new("RGB", size, COLORS[i % len(COLORS)]) for i in range(len(durations))]
    out = io.BytesIO()
    frames[0].save(
        out, format="WEBP", save_all=True, append_images=frames[1:], duration=durations, loop=0, exif=exif
    )
    return out.getvalue()


def sideways_jpeg() -> bytes:
    """40x20 stored pixels, red on the left, with EXIF orientation 6 (turn 90° clockwise to view)."""
    image = Image.new("RGB", (40, 20), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


def test_every_caller_decodes_through_the_one_home() -> None:
    assert render.open_image is imageio.open_image
    assert faces.ImageLoadError is imageio.ImageLoadError
    source = sideways_jpeg()
    assert np.array_equal(np.asarray(faces.load_image(source)), np.asarray(imageio.open_image(source)))


def test_exif_orientation_is_applied() -> None:
    image = imageio.open_image(sideways_jpeg())
    assert image.size == (20, 40) and image.mode == "RGB"
    # Turned clockwise: the stored left half (red) is now on top.
    top, bottom = image.getpixel((10, 5)), image.getpixel((10, 35))
    assert top[0] > 200 and top[2] < 60 and bottom[2] > 200 and bottom[0] < 60


def test_16_bit_png_is_scaled_not_clipped() -> None:
    ramp = np.linspace(0, 65535, 64 * 48).reshape(48, 64).astype(np.uint16)
    out = io.BytesIO()
    Image.fromarray(ramp).save(out, format="PNG")
    pixels = np.asarray(imageio.open_image(out.getvalue()))[..., 0].astype(int)
    np.testing.assert_allclose(pixels, ramp // 257, atol=1)


def test_transparency_is_laid_on_white() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(out, format="PNG")
    assert imageio.open_image(out.getvalue()).getpixel((5, 5)) == (255, 255, 255)


def test_truncated_file_is_a_damaged_error_not_half_a_picture() -> None:
    out = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 300, 3), dtype=np.uint8)).save(
        out, format="JPEG"
    )
    cut = out.getvalue()[: len(out.getvalue()) // 2]
    info = imageio.probe(cut)  # the header is intact ...
    assert (info.format, info.width, info.height, info.frames) == ("JPEG", 300, 200, 1)
    with pytest.raises(ImageLoadError) as caught:  # ... the pixels are not
        imageio.open_image(cut)
    assert caught.value.code == "damaged"


def test_unreadable_inputs_have_one_error_type(tmp_path: Path) -> None:
    for source in (b"certainly not an image", tmp_path / "missing.jpg", 12345):
        with pytest.raises(ImageLoadError) as caught:
            imageio.open_image(source)  # type: ignore[arg-type]
        assert caught.value.code == "unreadable"


def test_decompression_bomb_is_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.BytesIO()
    Image.new("RGB", (300, 300)).save(out, format="PNG")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)  # the guard errors past twice this
    with pytest.raises(ImageLoadError) as caught:
        imageio.probe(out.getvalue())
    assert caught.value.code == "too_large"


def test_probe_counts_frames_without_decoding() -> None:
    info = imageio.probe(gif_bytes([100, 200, 300]))
    assert (info.format, info.frames, info.is_animated, info.pixels) == ("GIF", 3, True, 64 * 48)
    assert not imageio.probe(webp_bytes([50])).is_animated


def test_gif_frames_durations_and_loop() -> None:
    frames = imageio.read_frames(gif_bytes([100, 250, 40, 500], loop=0))
    assert len(frames) == 4 and frames.durations == [100, 250, 40, 500] and frames.loop == 0
    assert frames.total_ms == 890 and frames.size == (64, 48)
    assert all(f.mode == "RGB" and f.size == (64, 48) for f in frames.images)
    for image, color in zip(frames.images, COLORS, strict=True):
        assert np.abs(np.array(image.getpixel((32, 24))) - color).max() < 40


def test_gif_without_loop_block_plays_once_and_zero_delays_play_as_browsers_do() -> None:
    frames = imageio.read_frames(gif_bytes([0, 0, 0], loop=None))
    assert frames.loop == 1
    assert frames.durations == [imageio.SHORT_FRAME_MS] * 3


def test_animated_webp_keeps_every_frame() -> None:
    frames = imageio.read_frames(webp_bytes([80, 160, 80]))
    assert len(frames) == 3 and frames.durations == [80, 160, 80] and frames.loop == 0
    # open_image on an animation is its first frame, the same pixels as read_frames' first.
    first = imageio.open_image(webp_bytes([80, 160, 80]))
    assert np.array_equal(np.asarray(first), np.asarray(frames.images[0]))


def test_read_frames_shrinks_and_orients_every_frame() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    frames = imageio.read_frames(webp_bytes([100, 100], size=(400, 200), exif=exif.tobytes()), max_side=100)
    assert [f.size for f in frames.images] == [(50, 100), (50, 100)]


def test_truncated_animation_is_damaged() -> None:
    data = gif_bytes([100] * 6, size=(120, 90))
    with pytest.raises(ImageLoadError) as caught:
        imageio.read_frames(data[: len(data) * 2 // 3])
    assert caught.value.code == "damaged"

"""ml.render: text always inside the picture, classic style, clean JPEGs."""

import io

import numpy as np
import pytest
from PIL import Image

from ml import render
from ml.faces import load_image

LONG = (
    "When you finally understand the assignment but the deadline was yesterday and the printer is jammed "
    "again and the coffee machine is broken and everyone in the meeting keeps asking quick questions okay"
)
assert len(LONG) == 200
BACKGROUND = (40, 90, 160)


@pytest.mark.parametrize("size", [(300, 200), (4000, 3000), (200, 300), (1024, 1024), (120, 60)])
@pytest.mark.parametrize("scale", [0.5, 1.0, 1.5])
def test_a_200_character_caption_stays_inside(size, scale):
    width, height = size
    lines = render.layout(size, top_text=LONG, bottom_text=LONG, font_scale=scale)
    assert lines, "nothing was laid out"
    for line in lines:
        left, top, right, bottom = line.box
        assert 0 < left < right < width and 0 < top < bottom < height, (line.text, line.box, size)
    # Every word is there (nothing silently dropped at these sizes) except on tiny images.
    if min(size) >= 200:
        assert " ".join(line.text for line in lines).split() == (LONG.upper().split() * 2)
    # Top and bottom blocks never overlap.
    tops = [line for line in lines if line.box[1] < height / 2]
    bottoms = [line for line in lines if line.box[1] >= height / 2]
    assert tops and bottoms and max(line.box[3] for line in tops) < min(line.box[1] for line in bottoms)


@pytest.mark.parametrize("size", [(300, 200), (4000, 3000)])
def test_drawn_pixels_never_touch_the_border(size):
    image = Image.new("RGB", size, BACKGROUND)
    out = np.asarray(render.render_meme(image, top_text=LONG, bottom_text=LONG)).astype(int)
    changed = np.abs(out - np.array(BACKGROUND)).sum(axis=2) > 30
    assert changed.sum() > 0.02 * changed.size  # text was really drawn
    margin = max(2, round(min(size) * 0.03)) - 1
    border = np.ones_like(changed)
    border[margin:-margin, margin:-margin] = False
    assert not changed[border].any(), "text reached the image border"


def test_classic_style_white_fill_black_outline():
    image = Image.new("RGB", (600, 400), (128, 128, 128))
    out = np.asarray(render.render_meme(image, top_text="HELLO THERE", bottom_text="GENERAL")).reshape(-1, 3)
    white = (out > 235).all(axis=1).sum()
    black = (out < 20).all(axis=1).sum()
    assert white > 1000 and black > 500


def test_custom_colour_and_font_scale():
    image = Image.new("RGB", (600, 400), (128, 128, 128))
    out = np.asarray(render.render_meme(image, top_text="RED", bottom_text="", color="#ff0000")).reshape(
        -1, 3
    )
    assert ((out[:, 0] > 220) & (out[:, 1] < 40) & (out[:, 2] < 40)).sum() > 500
    small = render.layout((600, 400), top_text="HI", bottom_text="", font_scale=0.5)[0]
    big = render.layout((600, 400), top_text="HI", bottom_text="", font_scale=1.5)[0]
    assert big.size > small.size


def test_empty_texts_leave_the_picture_alone():
    image = Image.new("RGB", (50, 40), BACKGROUND)
    assert render.layout(image.size, top_text="", bottom_text="   ") == []
    assert np.array_equal(
        np.asarray(render.render_meme(image, top_text="", bottom_text="")), np.asarray(image)
    )


def test_a_single_enormous_word_is_broken_not_overflowing():
    lines = render.layout((300, 200), top_text="A" * 150, bottom_text="")
    assert len(lines) > 1 and all(line.box[2] < 300 for line in lines)


def test_exif_orientation_is_applied():
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    Image.new("RGB", (40, 20), BACKGROUND).save(out, format="JPEG", exif=exif.tobytes())
    assert render.open_image(out.getvalue()).size == (20, 40)


def test_jpeg_output_has_no_exif_or_gps():
    exif = Image.Exif()
    exif[0x010F] = "SecretPhone"
    exif.get_ifd(0x8825)[2] = (51.0, 30.0, 0.0)
    out = io.BytesIO()
    Image.new("RGB", (64, 64), BACKGROUND).save(out, format="JPEG", exif=exif.tobytes())
    source = Image.open(io.BytesIO(out.getvalue()))
    assert source.getexif()
    data = render.to_jpeg(render.render_meme(source, top_text="hi", bottom_text="there"))
    result = Image.open(io.BytesIO(data))
    assert result.format == "JPEG" and not result.getexif() and "exif" not in result.info
    assert b"SecretPhone" not in data


def test_transparent_png_is_flattened_on_white():
    image = render.open_image(_rgba_png())
    assert image.mode == "RGB" and image.getpixel((0, 0)) == (255, 255, 255)


def test_16_bit_greyscale_png_keeps_its_tones():
    # Pillow opens a 16-bit greyscale PNG as "I;16"; a plain convert("RGB") clips at 255 and the
    # photo (and the meme) came out nearly all white.
    ramp = np.linspace(0, 65535, 64 * 48).reshape(48, 64).astype(np.uint16)
    out = io.BytesIO()
    Image.fromarray(ramp).save(out, format="PNG")
    for source in (out.getvalue(), Image.open(io.BytesIO(out.getvalue())).convert("I")):
        for image in (render.open_image(source), load_image(source)):
            pixels = np.asarray(image)[..., 0].astype(int)
            assert image.mode == "RGB" and pixels.min() == 0 and pixels.max() == 255
            assert abs(pixels.mean() - 127.5) < 2
            np.testing.assert_allclose(pixels, ramp // 257, atol=1)


def test_thumbnail_keeps_aspect():
    thumb = render.thumbnail(Image.new("RGB", (4000, 3000)))
    assert thumb.size == (480, 360)


def _rgba_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(out, format="PNG")
    return out.getvalue()

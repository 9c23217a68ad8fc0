"""Classic meme rendering: bold white capitals with a black outline, top and bottom.

Plain Pillow, no Django. Text is wrapped and shrunk until every line fits inside the image with a
margin, so nothing ever leaves the picture, whatever its length or the image's size.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "BebasNeue-Bold.otf"  # SIL OFL 1.1, see OFL.txt
DEFAULT_COLOR = "#ffffff"
OUTLINE_COLOR = "#000000"
THUMBNAIL_SIDE = 480
JPEG_QUALITY = 90

_MARGIN = 0.03  # of the shorter side
_BLOCK_HEIGHT = 0.40  # each of top/bottom may use this much of the height: they can never meet
_BASE_SIZE = 0.16  # largest font size, of the shorter side, at 100 %
_MIN_SIZE = 1
_LINE_GAP = 0.05  # of the font size


@dataclass(frozen=True)
class PlacedLine:
    text: str
    box: tuple[int, int, int, int]  # left, top, right, bottom in image pixels, outline included
    size: int
    stroke: int


@dataclass(frozen=True)
class _Fit:
    lines: list[str]
    size: int
    stroke: int
    line_height: int
    gap: int

    @property
    def height(self) -> int:
        return len(self.lines) * self.line_height + max(0, len(self.lines) - 1) * self.gap


@lru_cache(maxsize=256)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), size)


def _stroke(size: int) -> int:
    return max(1, round(size * 0.07))


def open_image(source: Image.Image | bytes | str | Path) -> Image.Image:
    """An RGB image with its EXIF orientation applied (what a person sees on their phone)."""
    if isinstance(source, Image.Image):
        image = source
    elif isinstance(source, bytes):
        image = Image.open(io.BytesIO(source))
    else:
        image = Image.open(source)
    image = ImageOps.exif_transpose(image)
    return flatten(image)


def to_8bit(image: Image.Image) -> Image.Image:
    """16-bit greyscale (a 16-bit PNG) scaled down to "L". Pillow's plain convert clips it at 255
    instead, which turns nearly the whole picture white. Other images are returned as they are."""
    if image.mode.startswith("I;16") or (image.mode == "I" and image.getextrema()[1] > 255):
        return image.convert("I").point(lambda v: v / 257).convert("L")
    return image


def flatten(image: Image.Image) -> Image.Image:
    """RGB, with any transparency laid on white (JPEG has no alpha)."""
    image = to_8bit(image)
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB") if image.mode != "RGB" else image


def _split_long_word(word: str, font: ImageFont.FreeTypeFont, stroke: int, width: int) -> list[str]:
    pieces, current = [], ""
    for ch in word:
        if current and font.getlength(current + ch) + 2 * stroke > width:
            pieces.append(current)
            current = ch
        else:
            current += ch
    return pieces + ([current] if current else [])


def _wrap(text: str, font: ImageFont.FreeTypeFont, stroke: int, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) + 2 * stroke <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        if font.getlength(word) + 2 * stroke <= width:
            current = word
        else:
            *full, current = _split_long_word(word, font, stroke, width)
            lines.extend(full)
    if current:
        lines.append(current)
    return lines


def _try_size(text: str, size: int, width: int, height: int) -> _Fit | None:
    font = _font(size)
    stroke = _stroke(size)
    lines = _wrap(text, font, stroke, width)
    ascent, descent = font.getmetrics()
    fit = _Fit(lines, size, stroke, ascent + descent + 2 * stroke, round(size * _LINE_GAP))
    widest = max((font.getlength(line) + 2 * stroke for line in lines), default=0)
    return fit if fit.height <= height and widest <= width else None


def _fit(text: str, *, width: int, height: int, max_size: int) -> _Fit | None:
    """The largest font size at which the wrapped text fits the box (binary search)."""
    lo, hi, best = _MIN_SIZE, max(_MIN_SIZE, max_size), None
    while lo <= hi:
        mid = (lo + hi) // 2
        fit = _try_size(text, mid, width, height)
        if fit:
            best, lo = fit, mid + 1
        else:
            hi = mid - 1
    return best


def _fit_or_truncate(text: str, *, width: int, height: int, max_size: int) -> _Fit | None:
    # Even the smallest size may not hold a novel in a thumbnail: drop words until it does.
    words = text.split()
    while words:
        fit = _fit(" ".join(words), width=width, height=height, max_size=max_size)
        if fit:
            return fit
        words = words[:-1]
        if words:
            words[-1] = words[-1].rstrip(".,;:!?") + "…"
    return None


def layout(
    size: tuple[int, int], *, top_text: str, bottom_text: str, font_scale: float = 1.0
) -> list[PlacedLine]:
    """Where each line of text goes. Every box lies inside the image with a margin."""
    width, height = size
    margin = max(2, round(min(width, height) * _MARGIN))
    box_width = width - 2 * margin
    box_height = int(height * _BLOCK_HEIGHT) - margin
    max_size = max(_MIN_SIZE, round(min(width, height) * _BASE_SIZE * font_scale))
    placed: list[PlacedLine] = []
    if box_width <= 0 or box_height <= 0:
        return placed
    for text, at_top in ((top_text, True), (bottom_text, False)):
        text = " ".join(text.upper().split())
        if not text:
            continue
        fit = _fit_or_truncate(text, width=box_width, height=box_height, max_size=max_size)
        if fit is None:
            continue
        font = _font(fit.size)
        y = margin if at_top else height - margin - fit.height
        for line in fit.lines:
            line_width = round(font.getlength(line)) + 2 * fit.stroke
            left = (width - line_width) // 2
            box = (left, y, left + line_width, y + fit.line_height)
            placed.append(PlacedLine(line, box, fit.size, fit.stroke))
            y += fit.line_height + fit.gap
    return placed


def render_meme(
    image: Image.Image,
    *,
    top_text: str,
    bottom_text: str,
    font_scale: float = 1.0,
    color: str = DEFAULT_COLOR,
    outline: str = OUTLINE_COLOR,
) -> Image.Image:
    """A new RGB image with the captions drawn on it."""
    canvas = flatten(image).copy()
    draw = ImageDraw.Draw(canvas)
    for line in layout(canvas.size, top_text=top_text, bottom_text=bottom_text, font_scale=font_scale):
        left, top, right, _ = line.box
        # Anchor at the middle of the line's ascender so the glyphs sit inside the box we measured.
        draw.text(
            ((left + right) / 2, top + line.stroke),
            line.text,
            font=_font(line.size),
            fill=color,
            stroke_width=line.stroke,
            stroke_fill=outline,
            anchor="ma",
        )
    return canvas


def thumbnail(image: Image.Image, max_side: int = THUMBNAIL_SIDE) -> Image.Image:
    thumb = flatten(image).copy()
    thumb.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return thumb


def to_jpeg(image: Image.Image, quality: int = JPEG_QUALITY) -> bytes:
    """JPEG bytes with no EXIF, GPS or other metadata: only the pixels leave."""
    clean = Image.frombytes("RGB", image.size, flatten(image).tobytes())
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()

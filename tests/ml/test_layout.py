"""ml.layout + ml.render: text boxes drawn where they say, and captions placed around faces."""

import itertools

import numpy as np
import pytest
from PIL import Image

from ml import render
from ml.layout import TextBox, classic_boxes, covered_fraction, new_box_slots, place_boxes

GREY = (128, 128, 128)


def _changed(image: Image.Image) -> np.ndarray:
    return np.abs(np.asarray(image).astype(int) - np.array(GREY)).sum(axis=2) > 30


def _bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def test_text_is_drawn_inside_its_box_and_moves_with_it():
    image = Image.new("RGB", (800, 600), GREY)
    box = TextBox("hello", x=0.5, y=0.6, width=0.4, height=0.3)
    left, top, right, bottom = _bbox(_changed(render.render_layout(image, [box])))
    assert left >= 400 and right < 720 and top >= 360 and bottom < 540
    moved = TextBox("hello", x=0.05, y=0.05, width=0.4, height=0.3)
    left2, top2, right2, bottom2 = _bbox(_changed(render.render_layout(image, [moved])))
    assert right2 < 40 + 320 and bottom2 < 30 + 180 and (left2, top2) != (left, top)


def test_alignment_case_colours_and_outline():
    image = Image.new("RGB", (800, 300), GREY)
    base = {"x": 0.05, "y": 0.1, "width": 0.9, "height": 0.8, "size": 60}
    lefts = {}
    for align in ("left", "center", "right"):
        lefts[align] = _bbox(_changed(render.render_layout(image, [TextBox("Hi", align=align, **base)])))[0]
    assert lefts["left"] < lefts["center"] < lefts["right"]
    upper = render.layout_lines(image.size, [TextBox("Mixed Case", case="upper", **base)])
    lower = render.layout_lines(image.size, [TextBox("Mixed Case", case="lower", **base)])
    typed = render.layout_lines(image.size, [TextBox("Mixed Case", case="none", **base)])
    assert [upper[0].text, lower[0].text, typed[0].text] == ["MIXED CASE", "mixed case", "Mixed Case"]
    red = np.asarray(
        render.render_layout(image, [TextBox("RED", color="#ff0000", outline_color="#00ff00", **base)])
    ).reshape(-1, 3)
    assert ((red[:, 0] > 220) & (red[:, 1] < 40)).sum() > 150
    assert ((red[:, 1] > 220) & (red[:, 0] < 40)).sum() > 50
    no_outline = render.layout_lines(image.size, [TextBox("A", outline_width=0, **base)])[0]
    thick = render.layout_lines(image.size, [TextBox("A", outline_width=15, **base)])[0]
    assert no_outline.stroke == 0 and thick.stroke == 4  # 15 % of 29 px, half up


def test_bigger_size_until_the_box_is_full():
    size = (800, 600)
    small = render.layout_lines(size, [TextBox("HI", size=50)])[0]
    big = render.layout_lines(size, [TextBox("HI", size=150)])[0]
    assert big.size > small.size
    tiny_box = render.layout_lines(size, [TextBox("HI", size=150, height=0.08)])[0]
    assert tiny_box.box[3] - tiny_box.box[1] <= 0.08 * 600 + 1


def test_long_text_wraps_and_shrinks_inside_every_box():
    size = (640, 480)
    boxes = [
        TextBox("word " * 60, x=0.1, y=0.1, width=0.3, height=0.2),
        TextBox("A" * 120, x=0.5, y=0.5, width=0.45, height=0.45, align="right"),
    ]
    lines = render.layout_lines(size, boxes)
    for line in lines:
        box = line.source
        bx, by = box.x * size[0], box.y * size[1]
        assert bx - 1 <= line.box[0] and line.box[2] <= bx + box.width * size[0] + 1
        assert by - 1 <= line.box[1] and line.box[3] <= by + box.height * size[1] + 1
    assert sum(line.source is boxes[1] for line in lines) > 1


def test_render_meme_is_the_classic_two_box_layout():
    image = Image.new("RGB", (600, 400), GREY)
    a = render.render_meme(image, top_text="top", bottom_text="bottom", font_scale=1.2, color="#ffff00")
    b = render.render_layout(image, classic_boxes("top", "bottom", size=120, color="#ffff00"))
    assert np.array_equal(np.asarray(a), np.asarray(b))


def test_boxes_round_trip_as_dicts():
    box = TextBox("x", x=0.2, align="left", case="none", outline_width=3)
    assert TextBox.from_dict({**box.to_dict(), "unknown": 1}) == box


# --- placement around faces -------------------------------------------------------------------


def test_no_face_gives_the_classic_layout():
    assert place_boxes((600, 400), top_text="a", bottom_text="b", faces=[]) == classic_boxes("a", "b")


def test_a_small_face_in_the_middle_keeps_the_classic_layout():
    faces = [[270, 270, 60, 60]]
    assert place_boxes((600, 600), top_text="a", bottom_text="b", faces=faces) == classic_boxes("a", "b")


@pytest.mark.parametrize(
    ("size", "faces"),
    [
        # Two people side by side near the top: the classic top text covers both heads.
        ((1000, 800), [[100, 64, 300, 296], [550, 80, 300, 256]]),
        ((1000, 600), [[50, 20, 400, 300], [550, 30, 380, 290]]),
        # skimage's astronaut: one face in the upper middle.
        ((512, 512), [[181, 62, 87, 110]]),
        # A face low in the picture: the bottom text moves.
        ((600, 600), [[200, 330, 200, 220]]),
        # The smaller face is listed second, and is allowed to be covered if it must.
        ((800, 800), [[300, 40, 260, 300], [40, 600, 120, 150]]),
    ],
)
def test_caption_boxes_leave_the_main_face_clear(size, faces):
    classic = classic_boxes("a", "b")
    assert max(covered_fraction(b, faces[0], size) for b in classic) > 0.1  # the problem is real
    boxes = place_boxes(
        size, top_text="WHEN THE GROUP PHOTO", bottom_text="HAS NO ROOM FOR TEXT", faces=faces
    )
    assert all(covered_fraction(b, faces[0], size) == 0 for b in boxes)
    top, bottom = boxes
    assert (
        top.y < bottom.y
        and top.y + top.height <= bottom.y + 1e-6
        or (top.x + top.width <= bottom.x or bottom.x + bottom.width <= top.x)
    )
    for box in boxes:  # inside the picture, large enough to read
        assert box.x >= 0 and box.x + box.width <= 1 and box.y >= 0 and box.y + box.height <= 1
        assert box.height >= 0.14 and box.width >= 0.28
    # And what is drawn (not only the boxes) stays off the face.
    image = Image.new("RGB", size, GREY)
    drawn = _changed(render.render_layout(image, boxes))
    x, y, w, h = faces[0]
    assert drawn.sum() > 500 and not drawn[y : y + h, x : x + w].any()


def test_two_person_photo_the_other_face_is_avoided_too_when_cheap():
    size, faces = (1000, 800), [[100, 64, 300, 296], [550, 80, 300, 256]]
    boxes = place_boxes(size, top_text="a", bottom_text="b", faces=faces)
    assert all(covered_fraction(b, faces[1], size) == 0 for b in boxes)


def test_a_face_filling_the_picture_keeps_the_classic_layout():
    size = (400, 400)
    boxes = place_boxes(size, top_text="a", bottom_text="b", faces=[[0, 0, 400, 400]], color="#ff0000")
    assert boxes == classic_boxes("a", "b", color="#ff0000")


def test_added_boxes_go_where_no_face_is():
    size, faces = (1000, 800), [[100, 64, 300, 296], [550, 80, 300, 256]]
    slots = new_box_slots(size, faces=faces, count=4)
    assert len(slots) == 4
    for x, y, w, h in slots[:2]:  # the best ones leave both people clear
        box = TextBox("x", x=x, y=y, width=w, height=h)
        assert covered_fraction(box, faces[0], size) == 0 and covered_fraction(box, faces[1], size) == 0
    for a, b in itertools.combinations(slots, 2):  # distinct places
        assert a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1] or a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0]
    # With no face the first added box goes in the middle, between the classic top and bottom.
    x, y, w, h = new_box_slots((600, 400))[0]
    assert y >= 0.4 and y + h <= 0.6 and w > 0.9

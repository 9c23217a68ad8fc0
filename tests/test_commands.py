"""manage.py loadcaptions, import_captions and makememe (the last with the real ml.analyze)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from memes.models import Caption
from ml.layout import TextBox, covered_fraction
from tests.factories import face_photo_bytes, photo_bytes

pytestmark = pytest.mark.django_db


def _run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_loadcaptions_is_idempotent():
    Caption.objects.all().delete()
    out, _ = _run("loadcaptions")
    assert out.startswith(f"{Caption.objects.count()} new seed caption")
    assert Caption.objects.count() >= 280
    assert _run("loadcaptions")[0].startswith("0 new")


def test_import_csv_in_the_papers_format(tmp_path):
    path = tmp_path / "captions.csv"
    path.write_text(
        "Caption_ID,Facial_Expression,Caption_Text\n"
        '1,happy,"Finally, the weekend | is here"\n'
        "2,Sadness,Lost my umbrella | in the rain\n"
        "3,grumpy,Who touched | my stapler\n"
        "4,angry,\n"
        "5,fear,one,two,three\n"
        "6,5,Wait | what\n",
        encoding="utf-8",
    )
    out, err = _run("import_captions", str(path))
    assert "Imported 3 caption(s); skipped 3 row(s)." in out
    assert f"{path}:4: skipped: unknown emotion 'grumpy'" in err
    assert f"{path}:5: skipped: empty caption text" in err
    assert f"{path}:6: skipped: too many columns" in err
    assert Caption.objects.get(text="Finally, the weekend | is here").emotion == "happy"
    assert Caption.objects.get(text="Wait | what").emotion == "surprise"
    assert not Caption.objects.get(text="Lost my umbrella | in the rain").approved
    # Running it again imports nothing and says why.
    out, err = _run("import_captions", str(path), "--approve")
    assert "Imported 0" in out and err.count("duplicate of an existing caption") == 3


def test_import_jsonl(tmp_path):
    path = tmp_path / "captions.jsonl"
    path.write_text(
        '{"Caption_ID": 1, "Facial_Expression": "neutral", "Caption_Text": "Just | vibing"}\n'
        '{"emotion": "disgust", "text": "Cold | coffee"}\n'
        "{not json}\n"
        "[1, 2]\n"
        '{"emotion": "fear"}\n',
        encoding="utf-8",
    )
    out, err = _run("import_captions", str(path), "--approve")
    assert "Imported 2 caption(s); skipped 3 row(s)." in out
    assert ":3: skipped: not valid JSON" in err and ":4: skipped: not a JSON object" in err
    assert ":5: skipped: empty caption text" in err
    assert Caption.objects.get(text="Cold | coffee").approved


def test_import_rejects_a_csv_without_the_header(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="Caption_ID,Facial_Expression,Caption_Text"):
        _run("import_captions", str(path))
    with pytest.raises(CommandError, match="No such file"):
        _run("import_captions", str(tmp_path / "missing.csv"))


def test_makememe_rejects_bad_photos(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    with pytest.raises(CommandError, match="not an image we can read"):
        _run("makememe", str(bad), "--out", str(tmp_path / "out.jpg"))
    assert not (tmp_path / "out.jpg").exists()


@pytest.mark.slow
def test_makememe_json_with_the_real_model(tmp_path):
    photo = tmp_path / "astronaut.jpg"
    photo.write_bytes(face_photo_bytes())
    out_path = tmp_path / "out" / "meme.jpg"
    out, _ = _run("makememe", str(photo), "--topic", "space", "--out", str(out_path), "--json")
    payload = json.loads(out)
    assert set(payload) == {
        "output",
        "emotion",
        "top_text",
        "bottom_text",
        "caption_source",
        "faces",
        "boxes",
    }
    assert payload["caption_source"] in ("model", "curated")
    assert payload["output"] == str(out_path) and out_path.is_file()
    meme = Image.open(out_path)
    assert meme.format == "JPEG" and meme.size == (512, 512) and not meme.getexif()
    assert out_path.read_bytes() != photo.read_bytes()
    (face,) = payload["faces"][:1]
    assert len(face["box"]) == 4 and set(face) == {"box", "emotion", "probabilities"}
    assert set(face["probabilities"]) == {"angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"}
    assert payload["emotion"] == face["emotion"]
    assert payload["top_text"] or payload["bottom_text"]
    # The caption was placed around the face: no text box covers it.
    boxes = [TextBox.from_dict(box) for box in payload["boxes"]]
    assert [box.text for box in boxes] == [payload["top_text"], payload["bottom_text"]]
    assert all(covered_fraction(box, face["box"], (512, 512)) == 0 for box in boxes)


@pytest.mark.slow
def test_makememe_emotion_override_and_no_face(tmp_path):
    photo = tmp_path / "plain.png"
    photo.write_bytes(photo_bytes((300, 200), fmt="PNG"))
    out, _ = _run("makememe", str(photo), "--emotion", "fear", "--out", str(tmp_path / "m.jpg"), "--json")
    payload = json.loads(out)
    assert payload["faces"] == [] and payload["emotion"] == "fear"

"""Captions in the product (issue 7 §6–§8): the model first and curated captions when it is off or
fails, with no caption twice in a row for one person, likes by others ranked with exploration,
stable "other captions", "write another" on the web and the API, promotion in the admin, and
makememe's caption_source.

The plumbing tests stand a plain function in for ml.caption.generate_captions (where a test needs
known model output); the model itself is exercised in tests/ml and on the real stack
(tests/test_realstack_captions.py)."""

from __future__ import annotations

import io
import json
import random
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from memes import selectors
from memes.models import Caption, Like, Meme
from memes.services import captions as caption_services
from memes.services import memes as meme_services
from memes.services import social
from tests.api.conftest import token_client
from tests.factories import make_caption, make_meme, make_user, photo_bytes, upload

pytestmark = pytest.mark.django_db


def _make_memes(owner: Any, count: int, django_capture_on_commit_callbacks, **fields: Any) -> list[Meme]:
    memes = []
    for _ in range(count):
        with django_capture_on_commit_callbacks(execute=True):
            meme = meme_services.meme_create(owner=owner, photo=upload(photo_bytes((96, 72))), **fields)
        meme.refresh_from_db()
        assert meme.status == Meme.Status.READY, meme.failure_reason
        memes.append(meme)
    return memes


@pytest.fixture
def model_writes(settings, monkeypatch):
    """Switch the captioner on and make ml.caption.generate_captions answer with given lines, or
    with one list per call in turn (`answers`; the last one stays), or raise; keeps its calls."""
    import ml.caption

    settings.CAPTIONER_ENABLED = True
    calls: list[dict[str, Any]] = []
    state: dict[str, Any] = {"answers": [[("model top", "model bottom")]], "error": None}

    def generate(*, emotion: str, topic: str = "", n: int = 1, seed: int | None = None) -> list[Any]:
        calls.append({"emotion": emotion, "topic": topic, "n": n, "seed": seed})
        if state["error"] is not None:
            raise state["error"]
        answers = state["answers"]
        lines = answers.pop(0) if len(answers) > 1 else answers[0]
        return [SimpleNamespace(top=t, bottom=b, score=-i) for i, (t, b) in enumerate(lines)][:n]

    monkeypatch.setattr(ml.caption, "generate_captions", generate, raising=False)
    monkeypatch.setattr(ml.caption, "photo_topic", lambda image: "", raising=False)

    def set_output(
        lines: list[tuple[str, str]] | None = None,
        error: Exception | None = None,
        answers: list[list[tuple[str, str]]] | None = None,
    ) -> None:
        state["answers"], state["error"] = answers or [lines or []], error

    return SimpleNamespace(calls=calls, set=set_output)


# --- the fallback: curated captions without collapse ----------------------------------------


def test_fallback_never_repeats_in_a_row_for_one_person(
    user, fake_analysis, django_capture_on_commit_callbacks
):
    """Model off (the test settings' default): curated captions. One caption liked by others on
    every use, the rest used often and never liked: the favourite wins (almost) every draw, yet it
    never comes twice in a row for the same person."""
    fake_analysis("sad")
    sad = Caption.objects.filter(emotion="sad", approved=True).exclude(text__contains="{topic}")
    favourite = sad.first()
    sad.exclude(pk=favourite.pk).update(likes=0, times_used=1000)
    Caption.objects.filter(pk=favourite.pk).update(likes=50, times_used=50)
    memes = _make_memes(user, 14, django_capture_on_commit_callbacks)
    ids = [m.caption_id for m in memes]
    assert all(ids) and all(m.caption_source == Meme.CaptionSource.CURATED for m in memes)
    assert all(a != b for a, b in zip(ids, ids[1:], strict=False)), ids
    # Without the rule it would have been the favourite every time: it is, every other meme.
    assert Counter(ids)[favourite.pk] == 7
    # Another person's memes don't constrain this person's next one (nor the other way round).
    other = make_user()
    (first_other,) = _make_memes(other, 1, django_capture_on_commit_callbacks)
    assert first_other.caption_id == favourite.pk


def test_model_failure_falls_back_to_curated_and_logs(
    user, fake_analysis, model_writes, django_capture_on_commit_callbacks, caplog
):
    from ml.caption import CaptionerUnavailable

    model_writes.set(error=CaptionerUnavailable("no weights"))
    (meme,) = _make_memes(user, 1, django_capture_on_commit_callbacks)
    assert meme.caption_source == Meme.CaptionSource.CURATED and meme.caption.approved
    assert "caption model unavailable" in caplog.text
    model_writes.set(error=RuntimeError("llama.cpp crashed"))
    (meme,) = _make_memes(user, 1, django_capture_on_commit_callbacks)
    assert meme.caption_source == Meme.CaptionSource.CURATED
    model_writes.set(lines=[])  # everything filtered out: curated too
    (meme,) = _make_memes(user, 1, django_capture_on_commit_callbacks)
    assert meme.caption_source == Meme.CaptionSource.CURATED


def test_model_caption_is_used_recorded_and_not_repeated(
    user, fake_analysis, model_writes, django_capture_on_commit_callbacks
):
    fake_analysis("happy")
    same, other = ("when the pizza", "arrives early"), ("pizza again", "my only friend")
    model_writes.set(answers=[[same], [same], [other]])
    (first,) = _make_memes(user, 1, django_capture_on_commit_callbacks, topic="pizza")
    assert first.caption_source == Meme.CaptionSource.MODEL
    assert (first.top_text, first.bottom_text) == same
    assert model_writes.calls == [{"emotion": "happy", "topic": "pizza", "n": 1, "seed": None}]
    # Stored as an unapproved generated caption of this meme: likes can find it, curators can promote it.
    caption = first.caption
    assert (caption.source, caption.approved, caption.generated_for_id) == ("generated", False, first.pk)
    # The model writes the same caption for the person's next meme: it draws again, no repeat.
    (second,) = _make_memes(user, 1, django_capture_on_commit_callbacks, topic="pizza")
    assert (second.top_text, second.bottom_text) == other and len(model_writes.calls) == 3
    assert second.caption_source == Meme.CaptionSource.MODEL


def test_photo_topic_is_offered_when_no_topic_is_given(
    user, fake_analysis, model_writes, monkeypatch, django_capture_on_commit_callbacks
):
    import ml.caption

    monkeypatch.setattr(ml.caption, "photo_topic", lambda image: "tabby cat", raising=False)
    (meme,) = _make_memes(user, 1, django_capture_on_commit_callbacks)
    assert model_writes.calls[-1]["topic"] == "tabby cat" and meme.photo_topic == "tabby cat"
    (meme,) = _make_memes(user, 1, django_capture_on_commit_callbacks, topic="mondays")
    assert model_writes.calls[-1]["topic"] == "mondays" and meme.photo_topic == ""


def test_own_likes_dont_count_for_the_caption(user):
    caption = make_caption("Liked | or not")
    meme = make_meme(user, caption=caption)
    social.meme_like_toggle(meme=meme, user=user)  # the owner likes their own meme
    caption.refresh_from_db()
    assert caption.likes == 0 and Like.objects.filter(meme=meme).count() == 1
    fan = make_user()
    social.meme_like_set(meme=meme, user=fan, liked=True)
    social.meme_like_set(meme=meme, user=fan, liked=True)  # idempotent
    caption.refresh_from_db()
    assert caption.likes == 1
    social.meme_like_toggle(meme=meme, user=user)  # the owner's unlike changes nothing either
    social.meme_like_toggle(meme=meme, user=fan)
    caption.refresh_from_db()
    assert caption.likes == 0


def test_thompson_sampling_prefers_liked_captions_but_explores():
    Caption.objects.filter(emotion="fear").delete()
    liked = make_caption("Liked by | many", emotion="fear", likes=30, times_used=32)
    unlucky = make_caption("Used often | never liked", emotion="fear", likes=0, times_used=40)
    fresh = [make_caption(f"Fresh {i} | caption", emotion="fear") for i in range(8)]
    rng = random.Random(7)
    firsts = Counter(selectors.caption_suggestions(emotion="fear", rng=rng, limit=1)[0] for _ in range(400))
    assert firsts[liked] == max(firsts.values())  # likes per use rank first...
    assert sum(firsts[c] for c in fresh) >= 40  # ...but unproven captions still get their turn
    assert firsts[unlucky] < firsts[liked] / 4


def test_other_suggestions_leave_out_the_current_caption_and_are_stable(user_client, user):
    current = Caption.objects.filter(emotion="happy", approved=True).exclude(text__contains="{topic}").first()
    meme = make_meme(user, caption=current, caption_source="curated")
    url = reverse("memes:detail", args=[meme.public_id])
    first = [c["id"] for c in user_client.get(url).context["caption_choices"]]
    second = [c["id"] for c in user_client.get(url).context["caption_choices"]]
    assert first == second and len(first) == 6
    assert current.pk not in first
    # Another meme of the same emotion gets its own draw (the seed is the meme).
    other = make_meme(user, caption=current)
    other_ids = [
        c["id"]
        for c in user_client.get(reverse("memes:detail", args=[other.public_id])).context["caption_choices"]
    ]
    assert other_ids != first


# --- "write another" -------------------------------------------------------------------------


def test_write_another_on_the_web(user_client, user, model_writes):
    meme = make_meme(user, emotion="sad", topic="exams", caption_source="curated")
    model_writes.set(
        lines=[("exams tomorrow", "studied nothing"), ("my exam grade", "my hopes"), ("a | b", "c")]
    )
    response = user_client.post(reverse("memes:write_captions", args=[meme.public_id]))
    assert response.status_code == 302 and response["Location"].endswith("#captions")
    written = list(Caption.objects.filter(generated_for=meme).order_by("-pk"))  # newest: the best first
    assert [c.text for c in written] == [
        "exams tomorrow | studied nothing",
        "my exam grade | my hopes",
        "a b | c",
    ]
    assert all(c.source == "generated" and not c.approved and c.emotion == "sad" for c in written)
    assert model_writes.calls[-1]["emotion"] == "sad" and model_writes.calls[-1]["topic"] == "exams"
    page = user_client.get(reverse("memes:detail", args=[meme.public_id]))
    choices = page.context["caption_choices"]
    assert [c["source"] for c in choices[:3]] == ["model"] * 3 and choices[3]["source"] == "curated"
    assert (
        "Write another" in page.content.decode()
        and "exams tomorrow / studied nothing" in page.content.decode()
    )
    # Choosing one re-renders the meme with it; the meme now shows a model caption.
    user_client.post(reverse("memes:caption", args=[meme.public_id]), {"caption_id": written[0].pk})
    meme.refresh_from_db()
    assert (meme.top_text, meme.bottom_text, meme.caption_source) == (
        "exams tomorrow",
        "studied nothing",
        "model",
    )
    assert meme.caption_id == written[0].pk
    ids = [
        c["id"]
        for c in user_client.get(reverse("memes:detail", args=[meme.public_id])).context["caption_choices"]
    ]
    assert written[0].pk not in ids


def test_write_another_is_owner_only_and_says_when_the_model_is_off(client, user, model_writes, settings):
    meme = make_meme(user, public=True)
    private = make_meme(user, public=False)
    client.force_login(make_user())
    url = reverse("memes:write_captions", args=[meme.public_id])
    assert client.post(url).status_code == 403
    assert client.post(reverse("memes:write_captions", args=[private.public_id])).status_code == 404
    client.logout()
    assert client.post(url).status_code == 302 and not Caption.objects.filter(generated_for=meme).exists()
    client.force_login(user)
    settings.CAPTIONER_ENABLED = False
    response = client.post(url, follow=True)
    assert (
        "switched off" in response.content.decode()
        and not Caption.objects.filter(generated_for=meme).exists()
    )
    assert "Write another" not in response.content.decode()


def test_a_generated_caption_of_another_meme_cannot_be_chosen(user, model_writes):
    meme, other = make_meme(user), make_meme(user)
    (caption, *_) = meme_services.meme_write_captions(meme=other, user=user)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        meme_services.meme_choose_caption(meme=meme, user=user, caption_id=caption.pk)


def test_write_another_over_the_api(user, model_writes):
    meme = make_meme(user, emotion="surprise", caption_source="curated")
    model_writes.set(lines=[("wait what", "it worked"), ("plot twist", "it was me")])
    url = reverse("api:meme-captions-generate", args=[meme.public_id])
    response = token_client(user).post(url)
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(c["top_text"], c["bottom_text"], c["source"]) for c in body] == [
        ("wait what", "it worked", "model"),
        ("plot twist", "it was me", "model"),
    ]
    detail = token_client(user).get(reverse("api:meme-detail", args=[meme.public_id])).json()
    assert detail["caption_source"] == "curated"
    sources = [c["source"] for c in detail["suggested_captions"]]
    assert sources[:2] == ["model", "model"] and "curated" in sources
    chosen = token_client(user).post(
        reverse("api:meme-caption", args=[meme.public_id]), {"caption_id": body[1]["id"]}
    )
    assert chosen.status_code == 202 and chosen.json()["caption_source"] == "model"
    assert chosen.json()["bottom_text"] == "it was me"
    # Not the owner: 403 on a meme they can see, 404 on one they can't; anonymous: 401.
    assert token_client(make_user()).post(url).status_code == 403
    private = make_meme(user, public=False)
    private_url = reverse("api:meme-captions-generate", args=[private.public_id])
    assert token_client(make_user()).post(private_url).status_code == 404
    from rest_framework.test import APIClient

    assert APIClient().post(url).status_code == 401


def test_write_another_api_when_the_model_is_off(user, settings):
    settings.CAPTIONER_ENABLED = False
    meme = make_meme(user)
    response = token_client(user).post(reverse("api:meme-captions-generate", args=[meme.public_id]))
    assert response.status_code == 503
    assert "switched off" in response.json()["error"]["message"]


def test_the_schema_documents_write_another(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/memes/{public_id}/captions/generate/"]["post"]
    assert {"201", "403", "404", "429", "503"} <= set(operation["responses"])


# --- curators --------------------------------------------------------------------------------


@pytest.fixture
def curator_client(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_liked_generated_captions_in_the_admin_and_promotion(curator_client, user, model_writes):
    meme = make_meme(user, emotion="angry", topic="traffic")
    model_writes.set(lines=[("stuck in traffic", "again"), ("horn goes", "brrr")])
    liked, unliked = meme_services.meme_write_captions(meme=meme, user=user)
    meme_services.meme_choose_caption(meme=meme, user=user, caption_id=liked.pk)
    social.meme_like_set(meme=meme, user=make_user(), liked=True)

    def angry_counts() -> tuple[int, int]:
        (row,) = [r for r in selectors.caption_counts_by_emotion() if r["emotion"] == "angry"]
        return row["approved"], row["pending"]

    approved_before, pending_before = angry_counts()
    # The model's captions of single memes are not the curated dataset's pending work.
    assert pending_before == Caption.objects.filter(emotion="angry", approved=False).count() - 2
    url = reverse("admin:memes_caption_changelist")
    page = curator_client.get(url, {"generated": "liked"})
    shown = list(page.context["cl"].result_list)
    assert shown == [liked]
    curator_client.post(url, {"action": "promote", "_selected_action": [liked.pk, unliked.pk]})
    liked.refresh_from_db()
    unliked.refresh_from_db()
    assert liked.approved and liked.source == "generated"
    # The meme's topic became the {topic} slot, so the caption fits any angry meme's topic.
    assert liked.text == "stuck in {topic} | again"
    assert unliked.approved  # a curator may promote any generated caption they picked
    assert angry_counts() == (approved_before + 2, pending_before)
    assert liked in selectors.caption_suggestions(emotion="angry", topic="rain", limit=50)


def test_a_model_copy_of_a_curated_caption_is_that_caption(user, model_writes):
    curated = make_caption("Same | line", emotion="happy")
    meme = make_meme(user, emotion="happy")
    model_writes.set(lines=[("Same", "line"), ("Other", "line")])
    written = meme_services.meme_write_captions(meme=meme, user=user)
    assert written[0] == curated and Caption.objects.filter(text="Same | line").count() == 1
    assert written[1].source == "generated" and written[1].generated_for == meme


def test_caption_promote_rules(user, model_writes):
    from django.core.exceptions import ValidationError

    make_caption("Monday {topic} | again", emotion="sad")
    meme = make_meme(user, emotion="sad", topic="coffee")
    model_writes.set(lines=[("Monday coffee", "again"), ("no coffee", "no life")])
    clash, fine = meme_services.meme_write_captions(meme=meme, user=user)
    with pytest.raises(ValidationError, match="already"):  # with the {topic} slot it is a curated one
        caption_services.caption_promote(caption=clash)
    clash.refresh_from_db()
    assert not clash.approved and clash.text == "Monday coffee | again"
    assert caption_services.caption_promote(caption=fine).text == "no {topic} | no life"
    with pytest.raises(ValidationError, match="model wrote"):
        caption_services.caption_promote(caption=make_caption("A seed | caption"))


# --- makememe --------------------------------------------------------------------------------


def test_makememe_json_reports_the_caption_source(tmp_path, fake_analysis, model_writes, settings):
    photo = tmp_path / "p.jpg"
    photo.write_bytes(photo_bytes((200, 150)))
    out = io.StringIO()
    model_writes.set(lines=[("cli", "caption")])
    call_command("makememe", str(photo), "--out", str(tmp_path / "m.jpg"), "--json", stdout=out)
    payload = json.loads(out.getvalue())
    assert payload["caption_source"] == "model" and payload["bottom_text"] == "caption"
    settings.CAPTIONER_ENABLED = False
    out = io.StringIO()
    call_command("makememe", str(photo), "--out", str(tmp_path / "m.jpg"), "--json", stdout=out)
    assert json.loads(out.getvalue())["caption_source"] == "curated"


def test_write_another_when_the_model_fails_says_so(user_client, user, model_writes):
    from ml.caption import CaptionerUnavailable

    meme = make_meme(user)
    model_writes.set(error=CaptionerUnavailable("adapter missing"))
    page = user_client.post(reverse("memes:write_captions", args=[meme.public_id]), follow=True)
    assert page.status_code == 200 and "not available right now" in page.content.decode()
    api = token_client(user).post(reverse("api:meme-captions-generate", args=[meme.public_id]))
    assert api.status_code == 503 and api.json()["error"]["code"] == "captioner_unavailable"
    model_writes.set(lines=[])  # everything it wrote was filtered out: try again, a 400 with why
    api = token_client(user).post(reverse("api:meme-captions-generate", args=[meme.public_id]))
    assert api.status_code == 400 and "Try again" in api.json()["error"]["message"]
    assert not Caption.objects.filter(generated_for=meme).exists()

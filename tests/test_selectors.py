"""memes.selectors: who sees what, in which order."""

import random
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from memes import selectors
from memes.models import Caption, Like, Meme
from tests.factories import make_caption, make_meme, make_user

pytestmark = pytest.mark.django_db


def _like(meme, n, *, days_ago=0):
    for _ in range(n):
        like = Like.objects.create(meme=meme, user=make_user())
        Like.objects.filter(pk=like.pk).update(created_at=timezone.now() - timedelta(days=days_ago))


def test_feed_shows_only_public_visible_ready_memes_newest_first():
    owner = make_user()
    old = make_meme(owner)
    new = make_meme(owner)
    make_meme(owner, public=False)
    make_meme(owner, is_hidden=True)
    make_meme(owner, status=Meme.Status.PROCESSING)
    feed = list(selectors.meme_feed(user=AnonymousUser(), order="new"))
    assert feed == [new, old]


def test_top_feed_counts_only_last_weeks_likes():
    old_favourite = make_meme()
    _like(old_favourite, 5, days_ago=10)
    this_week = make_meme()
    _like(this_week, 2, days_ago=1)
    nobody = make_meme()
    feed = list(selectors.meme_feed(user=AnonymousUser(), order="top"))
    assert feed == [this_week, nobody, old_favourite]
    assert [m.like_count for m in feed] == [2, 0, 5]


def test_counts_and_liked_flag():
    viewer = make_user()
    meme = make_meme()
    Like.objects.create(meme=meme, user=viewer)
    (row,) = selectors.meme_feed(user=viewer)
    assert (row.like_count, row.comment_count, row.liked) == (1, 0, True)
    (row,) = selectors.meme_feed(user=AnonymousUser())
    assert row.liked is False


def test_gallery_owner_sees_everything_others_only_public():
    owner = make_user()
    public = make_meme(owner)
    private = make_meme(owner, public=False)
    assert set(selectors.meme_gallery(owner=owner, viewer=owner)) == {public, private}
    assert list(selectors.meme_gallery(owner=owner, viewer=make_user())) == [public]
    assert list(selectors.meme_gallery(owner=owner, viewer=AnonymousUser())) == [public]


def test_caption_suggestions_prefer_topic_and_skip_placeholders_without_one():
    Caption.objects.all().delete()
    plain = make_caption("Plain | one")
    about = make_caption("All about | pizza night")
    placeholder = make_caption("I want | {topic}")
    make_caption("Not approved | {topic}", approved=False)
    make_caption("Wrong | emotion", emotion="sad")
    rng = random.Random(1)
    with_topic = selectors.caption_suggestions(emotion="happy", topic="pizza", rng=rng)
    assert set(with_topic[:2]) == {about, placeholder} and with_topic[2:] == [plain]
    assert set(selectors.caption_suggestions(emotion="happy", topic="", rng=rng)) == {plain, about}


def test_a_topics_stopwords_do_not_make_every_caption_about_it():
    """ "the" is in nearly every caption: "the pizzas" ranks the pizza caption first, not everything
    holding "the" (ml.caption.words.mentions_topic, the rerank's rule too)."""
    Caption.objects.all().delete()
    pizza = make_caption("All about | pizza night")
    for i in range(3):
        make_caption(f"When the bus | is late again {i}")
    for seed in range(5):
        ranked = selectors.caption_suggestions(emotion="happy", topic="the pizzas", rng=random.Random(seed))
        assert ranked[0] == pizza


def test_face_report_boxes_in_percent_and_all_seven_bars():
    meme = make_meme(
        faces=[{"box": [16, 12, 32, 24], "emotion": "sad", "probabilities": {"sad": 0.9, "happy": 0.1}}]
    )
    (face,) = selectors.meme_face_report(meme=meme)
    assert face["box_percent"] == {"left": 25.0, "top": 25.0, "width": 50.0, "height": 50.0}
    assert [b["emotion"] for b in face["bars"]] == [
        "angry",
        "disgust",
        "fear",
        "happy",
        "sad",
        "surprise",
        "neutral",
    ]
    assert {b["emotion"]: b["percent"] for b in face["bars"]}["sad"] == 90.0
    assert face["members"] == []  # older analyses stored no member probabilities


def test_face_report_shows_how_each_member_voted():
    members = {"resnet": {"sad": 0.6, "fear": 0.4}, "mobilenet": {"fear": 0.7, "sad": 0.3}}
    meme = make_meme(
        faces=[{"box": [0, 0, 8, 8], "emotion": "sad", "probabilities": {"sad": 0.5}, "members": members}]
    )
    (face,) = selectors.meme_face_report(meme=meme)
    votes = {m["name"]: m for m in face["members"]}
    assert votes["resnet"]["emotion"] == "sad" and votes["mobilenet"]["emotion"] == "fear"
    cells = {c["emotion"]: c for c in votes["mobilenet"]["cells"]}
    assert cells["fear"] == {"emotion": "fear", "percent": 70.0, "top": True}
    assert cells["sad"]["percent"] == 30.0 and not cells["sad"]["top"]
    assert len(cells) == 7


def test_caption_counts_by_emotion():
    Caption.objects.all().delete()
    make_caption("a", emotion="fear")
    make_caption("b", emotion="fear", approved=False)
    make_caption("c", emotion="happy")
    make_caption("d", emotion="happy")
    rows = {r["emotion"]: r for r in selectors.caption_counts_by_emotion()}
    assert len(rows) == 7
    assert (rows["fear"]["approved"], rows["fear"]["pending"], rows["fear"]["total"]) == (1, 1, 2)
    assert rows["happy"]["percent_of_max"] == 100 and rows["fear"]["percent_of_max"] == 50
    assert rows["angry"]["total"] == 0


def test_status_payload():
    meme = make_meme(status=Meme.Status.QUEUED, stage="Waiting")
    status = selectors.meme_status(meme=meme)
    assert status["status"] == "queued" and not status["finished"] and status["image_url"] is None

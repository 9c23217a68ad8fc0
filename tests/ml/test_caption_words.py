"""A caption's words and its topic's (ml.caption.words): one rule for the filters, rerank and judge."""

from __future__ import annotations

from ml.caption.words import given, mask_topic, mentions_topic, topic_subject, topic_words, word_forms


def test_a_word_matches_its_plural() -> None:
    assert given("beers", topic_words("beer")) and given("beer", topic_words("beers"))
    assert given("boxes", topic_words("box")) and given("box", topic_words("boxes"))
    assert given("cakes", topic_words("cake")) and not given("cake", topic_words("coke"))
    assert word_forms("bus") == {"bus", "bu"}


def test_the_topics_words_are_every_word_its_subject_the_content_ones() -> None:
    assert topic_words("My friend Kevin") >= {"my", "friend", "kevin"}
    assert topic_subject("My friend Kevin") >= {"friend", "kevin"}
    assert not given("my", topic_subject("my friend"))
    # "this" must not turn into a content word "thi" by losing its "s"
    assert topic_subject("this is fine") == {"fine"}
    assert topic_subject("you and me") == frozenset()


def test_a_caption_mentions_the_topics_subject_not_its_stopwords() -> None:
    assert mentions_topic("When the exams are cancelled", "exam")
    assert mentions_topic("When the Boxes arrive", "the box")
    # "the" is in nearly every caption: it says nothing of the topic
    assert not mentions_topic("When the pizza arrives", "the exam")
    assert mentions_topic("anything at all", "you and me")  # no content word: nothing to mention


def test_the_topics_subject_is_read_as_it() -> None:
    assert mask_topic("When the beer is cold and the Beers are free", "beer") == (
        "When the it is cold and the it are free"
    )
    assert mask_topic("When you take her home", "you and her") == "When you take her home"
    assert mask_topic("This is my pizza", "this pizza") == "This is my it"

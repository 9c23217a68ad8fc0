"""The words of a caption, and which of them a person's topic gave: one home for the rules the filters, the
rerank, the judge, the corpus and the curated suggestions share.

Two ideas of a topic's words, each written once:
- topic_words: every word the person typed ("my friend Kevin"). The model may repeat them: the model-only
  word lists, the name rule and the vocabulary let them through.
- topic_subject: what the topic is about, its content words ("friend", "kevin"): a caption mentions the
  topic when it uses one, and the judge reads them as "it".
A word matches in its singular or plural ("beer"/"beers", "box"/"boxes"): word_forms.
"""

from __future__ import annotations

import re

# A curly or modifier apostrophe is an apostrophe ("doesn’t" is one word, not "doesn t").
APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'"})

STOPWORDS = frozenset(
    """a about after again all also am an and any are as at be because been before being but by can could
    did do does doing don dont down during each even ever every for from get gets getting go goes going
    gonna got
    had has have having he her here hers him his how i if im in into is isnt it its itself ive just know
    let like
    make me more most much my myself no not now of off oh ok on once one only or other our out over own really
    right said same say says see she should so some still such than that thats the their them then there these
    they thing things think this those through time to too u up us very want was way we well were what
    when where
    which while who whom why will with would yeah yes yet you your youre yours""".split()  # noqa: SIM905 (reads better as text)
)


def plain_words(text: str) -> list[str]:
    """Lower-case words, apostrophes dropped and letters (not digits) repeated 3+ times squeezed: the
    vocabulary's words ("mum's" -> "mums", "3 a.m." -> "3", "am")."""
    text = re.sub(r"([a-z])\1{2,}", r"\1\1", text.lower().translate(APOSTROPHES).replace("'", ""))
    text = re.sub(r"\b([ap])\.m\b\.?", r"\1m", text)
    return re.findall(r"[a-z0-9]+", text)


def content_words(text: str) -> list[str]:
    """Words of three letters or more that are not stopwords ("exams", "my cat" -> "cat"): what a caption
    or a topic is about."""
    return [w for w in re.findall(r"[a-z][a-z']{2,}", text.lower()) if w not in STOPWORDS and "'" not in w]


def word_forms(word: str) -> frozenset[str]:
    """The word and what it would be without a plural ending: two words match when their forms meet
    ("beers" and "beer", "boxes" and "box", "cakes" and "cake")."""
    return frozenset({word, word.removesuffix("s"), word.removesuffix("es")})


def _with_forms(words: list[str]) -> frozenset[str]:
    return frozenset().union(*(word_forms(w) for w in words))


def topic_words(topic: str) -> frozenset[str]:
    """Every word the person gave as the topic, with its forms: the model may repeat them."""
    return _with_forms(plain_words(topic))


def topic_subject(topic: str) -> frozenset[str]:
    """The topic's content words, with their forms; empty when it has none ("you and me")."""
    return _with_forms(content_words(topic))


def given(word: str, words: frozenset[str]) -> bool:
    """True when `word` (lower case) is one of `words` (topic_words or topic_subject) in some form."""
    return not word_forms(word).isdisjoint(words)


def mentions_topic(text: str, topic: str) -> bool:
    """True when the text uses a content word of the topic (in some form), or the topic has none."""
    subject = topic_subject(topic)
    return not subject or any(given(w, subject) for w in plain_words(text))


def mask_topic(text: str, topic: str) -> str:
    """The text with the topic's content words read as "it" ("the beers are cold", topic "beer" -> "the it
    are cold")."""
    subject = topic_subject(topic)
    if not subject:
        return text
    word = re.compile(r"[A-Za-z0-9']+")
    return word.sub(lambda m: "it" if given(m.group(0).lower(), subject) else m.group(0), text)

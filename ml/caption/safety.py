"""The offensive-caption filter: every caption we show (generated or suggested by a person) goes through it.

Three layers, any one blocks:
1. our blocklist (ml/caption/blocklist.txt): slurs better-profanity lacks, violence, real people, politics,
   religion and groups of people;
2. better-profanity's maintained word list, minus an allow-list of mild words it over-blocks ("omg", "hell",
   "kill" in "this exam will kill me"). Its own matcher costs ~70 ms a call, so the list is compiled into
   one regex;
3. alt-profanity-check's linear model (insults the lists miss), at a threshold high enough that "I hate
   Mondays" passes.
Text is normalised first (lower case, leetspeak undone, letters repeated 3+ times squeezed) so "H1TLERRR" is
caught. Captions the model writes pass a stricter bar (strict=True): blocklist_generated.txt too, fewer
allowed mild words, the shapes in UNFIT_SHAPES_FROM_THE_MODEL ("f**k", "n-", 9/11), and no capitalised
name inside a sentence (names_in) unless the topic gave it: no list can hold every real person; no word
outside the model's vocabulary (ml/caption/vocabulary.py: common words only) unless the topic gave it; no
second-person put-down ("so you're telling me...", "you are ...").
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ml.caption.words import APOSTROPHES, given, plain_words, topic_words

BLOCKLIST_PATH = Path(__file__).with_name("blocklist.txt")
GENERATED_BLOCKLIST_PATH = Path(__file__).with_name("blocklist_generated.txt")
MODEL_VOCABULARY_PATH = Path(__file__).with_name("vocabulary.txt")

# Mild words better-profanity lists that memes use harmlessly ("omg", "what the hell", "this will kill me").
ALLOWED_WORDS: frozenset[str] = frozenset(
    {
        "omg",
        "hell",
        "kill",
        "killed",
        "killing",
        "god",
        "damn",
        "crap",
        "poop",
        "fart",
        "drunk",
        "stupid",
        "suck",
    }
    # ...and ordinary words on its list: a program's "len", a cooking "pot", "pawn" in chess, "lmao".
    | {
        "len",
        "lmao",
        "pot",
        "rum",
        "maxi",
        "pawn",
        "loin",
        "hemp",
        "womb",
        "ovum",
        "xx",
        "xxx",
        "racy",
        "teat",
    }
)
# Of those, what a model-written caption may not say ("this will kill me" is fine from a person, but the
# model also writes about killing a cat): its candidates are plentiful, so its bar is stricter (strict).
NOT_ALLOWED_FROM_THE_MODEL: frozenset[str] = frozenset(
    {"hell", "kill", "killed", "killing", "damn", "drunk", "suck", "poop", "fart", "god"}
)
# alt-profanity-check probability above which a caption is blocked ("I hate Mondays" scores 0.91, "you are
# an idiot" 0.99999). The same for the model's captions: lower, it blocks most angry ones ("I hate ...").
MODEL_THRESHOLD = 0.93
# What the model writes that word lists can't see once text is normalised: a word censored with asterisks
# ("f**k", "f#%*", "f-heads"), a slur hinted at ("the n-", "g-word"), a lone letter standing for a word
# ('the word "d"', "the f and the u", "g-d"), a hashtag or an underscored handle ("n_0n"), dates and numbers
# with a meaning (9/11, 9-11, 420, 4/20, 69, 88, 50 cent), a pet or a person eaten, a spider eaten or cooked,
# a pet inside a pet, a teacher and a date, innuendo (on top, a three-way), the reader's face or the reader
# unloved, people without jobs as a group, snow bought, watching the reader.
_EATING = r"(?:eat(?:s|ing|en)?|ate)"
_COOKING = r"(?:cook(?:s|ed|ing)?|bak(?:e|es|ed|ing)|fr(?:y|ies|ied))"
_ROMANCE = (
    r"(?:on\s+(?:a|my|our|his|her)\s+date|dating|crush|kiss(?:es|ed|ing)?|marry|married|girlfriend|boyfriend)"
)
_WHOSE = r"(?:my|the|a|your|his|her|our|their|\d+)\b"
_PETS = r"spider|cat|dog|pet|pupp(?:y|ies)|kitten|kitty|bird|hamster|rabbit|bunny|bunnies"


def _both(first: str, second: str) -> str:
    """Both patterns anywhere in one caption, in either order."""
    return rf"\b{first}\b.*\b{second}\b|\b{second}\b.*\b{first}\b"


UNFIT_SHAPES_FROM_THE_MODEL = re.compile(
    r"[a-z]\*+[a-z]*|\*+[a-z]+|\b[a-z][#%*@$!]{2,}|\bf-[a-z]|\b[a-z]\s?-\s?word\b|\b[a-z]-(?![a-z0-9])"
    r"|(?<![\w.'’-])(?![ai]\b)[a-z](?![\w.'’-])|\b[a-z]-[a-z]\b|['\"‘“][a-z]['\"’”]|#\w"
    # a censored word ("@#$%", not "!!!"), "18+", a length in inches ("my 17\" long")
    r"|(?<![#%*@$!&])(?=[#%*@$!&]{3})[!*]*[#%@$&]|\b1\d\s*\+(?!\s*\d)|\b\d+\s*(?:\"|''|”)\s*long\b"
    r"|\b9\s*(?:[-/]|-?\s*to\s*-?)\s*11\b|\b911\b|\b420s?\b|\b4\s*[-/.]\s*20\b|\b69\b|\b88\b|\b50\s?cent\b|[a-z0-9]_[a-z0-9]"
    # (across the line break after "my", "the", ...: "When I eat my | My cat", not "Trying to eat | Mom:")
    rf"|\b{_EATING}(?:\s+{_WHOSE})*(?:\s*\|\s*{_WHOSE})?\s+(?:{_PETS}"
    # ...or a person ("What if people just ate the dentist")
    r"|dentist|teacher|mom|dad|mum|kid|child|children|baby|babies|person|people|man|men|woman|women|friend"
    r"|boss|neighbou?r|brother|sister|grandma|grandpa)s?\b(?!['’]s)"  # "ate my friend's fries" is fine
    # a pet inside a pet ("Got a dog | with 2 cats in it")
    rf"|\b(?:{_PETS})s?\b.*\b(?:{_PETS})s?\s+(?:in|inside)\s+(?:it|him|her|them)\b"
    # a spider and eating or cooking anywhere in one caption ("When I get a spider | I can eat it!")
    rf"|{_both('spiders?', f'(?:{_EATING}|{_COOKING})')}"
    # a teacher and a date or a crush ("Waiting for my teacher to go on my date")
    rf"|{_both('teachers?', _ROMANCE)}"
    # innuendo: "on top" (not "on top of"), a three-way, pictures of a body
    r"|\bon\s+top\b(?!\s+of\b)|\b(?:a|the)\s+(?:3|three)\s*-?\s*way\b|\bthreesomes?\b"
    r"|\b(?:pictures?|pics?|photos?|selfies?|videos?)\s+of\s+(?:my|your|her|his|their)\s+bod(?:y|ies)\b"
    # the reader's face put down, or the reader unloved ("Waiting for your parents to like you")
    r"|\byour\s+face\s+(?:is|was|looks?)\b|\bdo\s+you\s+(?:even\s+)?have\s+(?:any|a)\s+(?:sense|brains?|clue|life)\b"
    r"|\b(?:parents|mom|mum|dad|family|friends|nobody|no\s+one)\b.*\b(?:don['’]?t|doesn['’]?t|not|never|to)\s+(?:like|love)\s+you\b"
    # people without jobs or money as a group, snow bought or sold, watching the reader (read 28)
    r"|\bpeople\s+(?:(?:who|that)\s+(?:don['’]?t|do\s+not|can['’]?t)\s+have|without)\s+(?:a\s+)?(?:jobs?|money|homes?|houses?|friends)\b"
    r"|\b(?:buy|buys|buying|bought|sell|sells|selling|sold)\s+(?:some\s+)?snow\b|\b(?:like|love|enjoy)s?\s+watching\s+you\b",
    re.IGNORECASE,
)
# The model's second-person put-downs: a sentence that opens on "you" ("so you're telling me ...", "oh,
# you're a ...?", "you hate everyone", "your ..."), except Oprah's "you get ..." and "you know", and "you are
# so / you look like ..." anywhere. Second-person put-downs were 8.8 % of shown captions but 23 of the 74
# unfit lines in reads 5-8; lines opening on "you" were 6 % of reads 9-10's samples but 8 of their 30 unfit
# lines (CAPTIONER_CARD.md). Group "at" (or "mid") is where it starts: decoding goes back there.
PUT_DOWNS_FROM_THE_MODEL = re.compile(
    r"(?:^|[|.!?:]\s*)(?P<at>(?:(?:oh|so|well|wait|and|hey|ah|really|wow)\b[\s,.!]*)*"
    r"(?:you\b(?!\s+(?:get|know)\b)|your\b|ur\b|u\s+r\b|u\s+are\b))"
    r"|(?P<mid>\byou\s*(?:['’]\s*re|\s+are|\s+look)\s+(?:so|such|too|really|not|just|a|an|the|like)\b)",
    re.IGNORECASE,
)
# Capitalised words a model caption may use inside a sentence: they name no one.
NAMES_ANYONE_MAY_USE: frozenset[str] = frozenset({
    "i", "im", "ive", "ill", "id", "me", "mom", "mum", "dad", "grandma", "grandpa", "ok", "okay", "omg",
    "lol", "wifi", "monday", "mondays", "tuesday", "tuesdays", "wednesday", "wednesdays", "thursday",
    "thursdays", "friday", "fridays", "saturday", "saturdays", "sunday", "sundays", "january", "february",
    "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
    "christmas", "halloween", "easter", "thanksgiving", "valentines", "new", "year", "years", "eve",
})  # fmt: skip
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})

_model_lock = threading.Lock()


def normalise(text: str) -> str:
    """Lower case, leetspeak undone, runs of one letter squeezed to two, words joined by single spaces; a
    curly apostrophe is an apostrophe ("doesn’t" is "doesnt", not "doesn t")."""
    text = text.translate(APOSTROPHES)
    text = re.sub(r"(?<=[a-z])!(?=[a-z])", "i", text.lower()).translate(LEET)  # "sh!t", not "wow!!"
    text = re.sub(r"(.)\1{2,}", r"\1\1", text)
    return " ".join(re.findall(r"[a-z']+", text.replace("'", "")))


def _pattern(entries: list[str]) -> re.Pattern[str]:
    parts = []
    for entry in sorted(set(entries), key=len, reverse=True):
        stem = entry.rstrip("*")
        words = [re.escape(w) for w in normalise(stem).split()]
        if not words:
            continue
        body = r"\s?".join(words)
        parts.append(body + (r"[a-z]*" if entry.endswith("*") else r"s?"))
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b")


def _listed(path: Path) -> list[str]:
    return [
        line.strip().lower()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


@lru_cache(maxsize=1)
def _word_pattern() -> re.Pattern[str]:
    """Everyone's bar: our blocklist and better-profanity's list, less the allowed mild words."""
    listed = (
        resources.files("better_profanity").joinpath("profanity_wordlist.txt").read_text(encoding="utf-8")
    )
    # One entry a line (some are phrases); entries under 3 letters once normalised ("2", "1") would
    # match anything.
    theirs = [w.strip().lower() for w in listed.splitlines() if w.strip().lower() not in ALLOWED_WORDS]
    theirs = [w for w in theirs if len(normalise(w)) >= 3]
    return _pattern(_listed(BLOCKLIST_PATH) + theirs)


@lru_cache(maxsize=1)
def _model_word_pattern() -> re.Pattern[str]:
    """What the model's captions may not say on top of everyone's bar."""
    return _pattern(_listed(GENERATED_BLOCKLIST_PATH) + sorted(NOT_ALLOWED_FROM_THE_MODEL))


# Numbers the model may write: a small count or an ordinal ("3 a.m.", "5 minutes", "4th"). Longer ones are
# dates and codes (2016, 420, 666); 69, 88 and 9/11 are UNFIT_SHAPES_FROM_THE_MODEL.
SMALL_NUMBER = re.compile(r"\d{1,2}(?:st|nd|rd|th)?")


@lru_cache(maxsize=1)
def _model_vocabulary() -> frozenset[str]:
    return frozenset(_listed(MODEL_VOCABULARY_PATH))


def outside_vocabulary(text: str, *, topic: str = "") -> list[str]:
    """Words of text the model's vocabulary lacks (a plural or possessive of a word it has is fine), unless
    the topic gave them."""
    known, gave = _model_vocabulary(), topic_words(topic)
    return [
        w
        for w in plain_words(text)
        if w not in known
        and w.removesuffix("s") not in known
        and not SMALL_NUMBER.fullmatch(w)
        and not given(w, gave)
    ]


def put_down_at(text: str) -> int | None:
    """Where the first second-person put-down in text starts, or None."""
    found = PUT_DOWNS_FROM_THE_MODEL.search(text)
    if found is None:
        return None
    return found.start("at") if found.group("at") is not None else found.start("mid")


@lru_cache(maxsize=1)
def _profanity_model():  # -> (vectorizer, model); imported lazily: joblib-loading costs ~0.3 s
    with _model_lock:
        from profanity_check import profanity_check

        return profanity_check.vectorizer, profanity_check.model


def blocked_words(text: str, *, strict: bool = False, topic: str = "", form: bool = True) -> list[str]:
    """The blocklist / word-list matches in text (empty when none); used by tests and the corpus report.
    strict: the model-written captions' bar (blocklist_generated.txt, fewer allowed words, censored words,
    and with `form` its rules about form: names, put-downs, words outside the model's vocabulary), where the
    topic's own words are allowed. form=False keeps what the text says, not how (the judge's labels)."""
    words = normalise(text)
    found = [m.group(0) for m in _word_pattern().finditer(words)]
    if not strict:
        return found
    # The person chose the topic ("beer", "my friend Kevin"): the model may repeat it, not add to it.
    gave = topic_words(topic)
    found += [
        m.group(0)
        for m in _model_word_pattern().finditer(words)
        if not all(given(w, gave) for w in m.group(0).split())
    ]
    found += UNFIT_SHAPES_FROM_THE_MODEL.findall(text)
    if not form:
        return found
    found += [m.group(0).strip() for m in PUT_DOWNS_FROM_THE_MODEL.finditer(text)]
    return found + names_in(text, topic=topic) + outside_vocabulary(text, topic=topic)


def names_in(text: str, *, topic: str = "") -> list[str]:
    """Capitalised words inside a sentence ("when Keanu says hi"), which the model uses for people, places
    and brands: not the first word of a sentence or line, not ALL CAPS, not a word of the topic, not a
    day, month, holiday or family word. The model writes sentence case, so this drops ~1 % of its lines."""
    gave = topic_words(topic)
    found = []
    for sentence in re.split(r"[.!?:;|\"()\n]+", text):
        words = re.findall(r"[A-Za-z][A-Za-z']*", sentence)
        found += [
            w
            for w in words[1:]
            if w[0].isupper()
            and not w.isupper()
            and normalise(w) not in NAMES_ANYONE_MAY_USE
            and not given(normalise(w), gave)
        ]
    return found


def profanity_scores(texts: list[str]) -> list[float]:
    """alt-profanity-check's probability that each text is offensive (batched: ~5 µs a caption)."""
    if not texts:
        return []
    vectorizer, model = _profanity_model()
    return [float(p) for p in model.predict_proba(vectorizer.transform(texts))[:, 1]]


def safe_mask(texts: list[str], *, strict: bool = False, topic: str = "") -> list[bool]:
    """is_caption_safe for many texts at once (one model call). strict: the bar for model-written captions."""
    scores = profanity_scores(texts)
    return [
        not blocked_words(t, strict=strict, topic=topic) and s < MODEL_THRESHOLD
        for t, s in zip(texts, scores, strict=True)
    ]


def is_caption_safe(text: str, *, strict: bool = False, topic: str = "") -> bool:
    """True when text passes the blocklist, the word list and the offensive-language model; strict=True
    holds it to the bar for captions the model writes (topic: the request's, whose names it may repeat)."""
    return safe_mask([text], strict=strict, topic=topic)[0]

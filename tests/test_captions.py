from memes.captions import caption_texts, normalize_emotion, split_caption


def test_split_on_bar():
    assert split_caption("When the code works |  and nobody knows why ") == (
        "When the code works",
        "and nobody knows why",
    )


def test_split_long_caption_at_punctuation_nearest_the_middle():
    assert split_caption("I came, I saw, I left early.") == ("I came, I saw,", "I left early.")


def test_split_long_caption_without_punctuation_at_half_the_words():
    assert split_caption("one two three four five six seven") == ("one two three", "four five six seven")


def test_short_caption_goes_to_the_bottom():
    assert split_caption("Nope") == ("", "Nope")


def test_topic_is_filled():
    assert caption_texts("Me and | {topic}", "pizza") == ("Me and", "pizza")


def test_normalize_emotion_accepts_dataset_labels():
    assert normalize_emotion("Happiness") == "happy"
    assert normalize_emotion("3") == "happy"
    assert normalize_emotion(" Surprised ") == "surprise"
    assert normalize_emotion("joyful") is None

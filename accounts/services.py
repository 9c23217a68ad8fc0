"""Account writes."""

from typing import Any

from django.db import transaction

from memes.models import Meme
from memes.services import meme_delete


def user_delete(*, user: Any) -> int:
    """Delete a person with all their memes and the memes' files; returns how many memes went."""
    with transaction.atomic():
        memes = list(Meme.objects.filter(owner=user))
        for meme in memes:
            meme_delete(meme=meme)
        user.delete()
    return len(memes)

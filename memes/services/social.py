"""Likes and comments."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from .. import access, checks
from ..feedcache import feed_note_own_action
from ..models import Caption, Comment, Like, Meme


def meme_like_set(*, meme: Meme, user: Any, liked: bool) -> bool:
    """Like (liked=True) or unlike, idempotently: asking twice changes nothing the second time.
    A like by someone else also counts for the caption, which is how curators (and the caption
    ranking) see which captions land; the owner liking their own meme says nothing about it."""
    access.ensure_can_interact(user=user, meme=meme)
    with transaction.atomic():
        if liked:
            try:
                with transaction.atomic():
                    _like, changed = Like.objects.get_or_create(meme=meme, user=user)
            except IntegrityError:  # a double click raced us: it is liked either way
                changed = False
        else:
            changed = Like.objects.filter(meme=meme, user=user).delete()[0] > 0
        if changed and meme.caption_id and user.pk != meme.owner_id:
            captions = Caption.objects.filter(pk=meme.caption_id)
            if liked:
                captions.update(likes=F("likes") + 1)
            else:
                captions.filter(likes__gt=0).update(likes=F("likes") - 1)
    if changed:
        feed_note_own_action(user=user)  # their feed shows the new count at once, not in 5 s
    return liked


def meme_like_toggle(*, meme: Meme, user: Any) -> bool:
    """The page's like button: like if not liked yet, else unlike; returns whether it is liked now."""
    access.ensure_can_interact(user=user, meme=meme)
    liked_now = Like.objects.filter(meme=meme, user=user).exists()
    return meme_like_set(meme=meme, user=user, liked=not liked_now)


def comment_create(*, meme: Meme, user: Any, text: str) -> Comment:
    access.ensure_can_interact(user=user, meme=meme)
    comment = Comment.objects.create(meme=meme, user=user, text=checks.check_comment_text(text))
    feed_note_own_action(user=user)
    return comment


def comment_delete(*, comment: Comment, user: Any) -> None:
    access.ensure_can_delete_comment(user=user, comment=comment)
    comment.delete()
    feed_note_own_action(user=user)

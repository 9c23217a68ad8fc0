"""Who may see and do what: the one home for permissions, used by web views, API views,
serializers, templates (through their views' context), admin and services alike.

``can_*`` answer yes or no; ``access_*`` fetch an object and check it in one step (Zulip style):
a meme this user may not see is an ``Http404`` exactly like a missing one (ids cannot be probed),
and one they may see but not change is ``PermissionDenied`` (403). ``ensure_*`` are the same
checks for a service that already holds the object.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from .models import Comment, Meme
from .selectors import with_counts

# --- yes/no predicates ------------------------------------------------------------------------


MODERATE_PERMISSION = "memes.moderate_meme"


def can_moderate(user: Any) -> bool:
    """Hide, unhide and delete others' memes and comments, review reports, see private memes.
    An explicit permission (superusers hold every one), never `is_staff` alone: staff without it
    are ordinary people here."""
    return bool(user is not None and user.is_authenticated and user.has_perm(MODERATE_PERMISSION))


def is_meme_owner(user: Any, meme: Meme) -> bool:
    return bool(user is not None and user.is_authenticated and meme.owner_id == user.pk)


def can_view_meme(user: Any, meme: Meme) -> bool:
    """Its owner and moderators always; everyone else once it is public, ready and not hidden."""
    return is_meme_owner(user, meme) or can_moderate(user) or is_visible_to_everyone(meme)


def is_visible_to_everyone(meme: Meme) -> bool:
    """Public, ready and not hidden: what anyone, signed in or not, may see."""
    return meme.is_public and not meme.is_hidden and meme.status == Meme.Status.READY


def can_edit_meme(user: Any, meme: Meme) -> bool:
    """Texts, caption, style, retry, publish: its owner only."""
    return is_meme_owner(user, meme)


def can_delete_meme(user: Any, meme: Meme) -> bool:
    return is_meme_owner(user, meme) or can_moderate(user)


def can_interact_with_meme(user: Any, meme: Meme) -> bool:
    """Like, comment, report: a signed-in person on a meme they can see."""
    return bool(user is not None and user.is_authenticated and can_view_meme(user, meme))


def can_delete_comment(user: Any, comment: Comment) -> bool:
    """Its author, the meme's owner, or a moderator."""
    if user is None or not user.is_authenticated:
        return False
    return user.pk in (comment.user_id, comment.meme.owner_id) or can_moderate(user)


def media_meme(name: str) -> Meme | None:
    """The meme a stored file (its photo, image or thumbnail) belongs to."""
    if "\x00" in name:
        return None
    return Meme.objects.filter(Q(photo=name) | Q(image=name) | Q(thumbnail=name)).first()


def can_view_media(user: Any, name: str) -> bool:
    """Whether a stored file may be served to this user: the same rule as its meme's page, so a
    private or hidden meme's files are not shared by their URL."""
    meme = media_meme(name)
    return meme is not None and can_view_meme(user, meme)


# --- checks on an object already in hand (services) --------------------------------------------


def ensure_can_edit_meme(*, user: Any, meme: Meme) -> None:
    if not can_edit_meme(user, meme):
        raise PermissionDenied("Only the meme's owner can change it.")


def ensure_can_delete_meme(*, user: Any, meme: Meme) -> None:
    if not can_delete_meme(user, meme):
        raise PermissionDenied("Only the meme's owner or a moderator can delete it.")


def ensure_can_interact(*, user: Any, meme: Meme) -> None:
    if not can_interact_with_meme(user, meme):
        raise PermissionDenied("You can't do that to this meme.")


def ensure_can_delete_comment(*, user: Any, comment: Comment) -> None:
    if not can_delete_comment(user, comment):
        raise PermissionDenied("You can only delete your own comments or comments on your memes.")


def ensure_can_moderate(*, user: Any) -> None:
    if not can_moderate(user):
        raise PermissionDenied("Only moderators can do that.")


def ensure_signed_in(*, user: Any, message: str = "Sign in first.") -> None:
    if user is None or not user.is_authenticated:
        raise PermissionDenied(message)


# --- fetch and check --------------------------------------------------------------------------


def access_meme_for_view(*, user: Any, public_id: str) -> Meme:
    """A meme this user may see (with like/comment counts and whether they like it), or 404."""
    if "\x00" in public_id:  # never an id; PostgreSQL refuses NUL in a query (a 500, not a 404)
        raise Http404("No such meme.")
    memes = with_counts(Meme.objects.filter(public_id=public_id), user=user)
    meme = memes.select_related("caption").first()
    if meme is None or not can_view_meme(user, meme):
        raise Http404("No such meme.")
    return meme


def _access_meme(user: Any, public_id: str, ensure: Callable[..., None]) -> Meme:
    # 404 before 403: whether a meme exists is only told to those who may see it.
    meme = access_meme_for_view(user=user, public_id=public_id)
    ensure(user=user, meme=meme)
    return meme


def access_meme_for_edit(*, user: Any, public_id: str) -> Meme:
    return _access_meme(user, public_id, ensure_can_edit_meme)


def access_meme_for_delete(*, user: Any, public_id: str) -> Meme:
    return _access_meme(user, public_id, ensure_can_delete_meme)


def access_meme_for_interact(*, user: Any, public_id: str) -> Meme:
    return _access_meme(user, public_id, ensure_can_interact)


def access_meme_for_moderation(*, user: Any, public_id: str) -> Meme:
    ensure_can_moderate(user=user)
    return access_meme_for_view(user=user, public_id=public_id)


def access_media(*, user: Any, name: str) -> Meme:
    """The meme a stored file belongs to, if this user may see it; else 404 like a missing file."""
    meme = media_meme(name)
    if meme is None or not can_view_meme(user, meme):
        raise Http404("No such file.")
    return meme


def access_comment_for_delete(*, user: Any, comment_id: int) -> Comment:
    """The meme's visibility first: a comment on a meme this user can't see is a 404 exactly like
    a missing comment, so comment ids cannot be probed; then the permission (403)."""
    comment = Comment.objects.select_related("meme").filter(pk=comment_id).first()
    if comment is None or not can_view_meme(user, comment.meme):
        raise Http404("No such comment.")
    ensure_can_delete_comment(user=user, comment=comment)
    return comment

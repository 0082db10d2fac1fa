"""Who may do what in discussions.

Anyone may read what is shown. Posting, following and flagging need a signed-in account with a
confirmed email address. Staff of a subject's agency (caseworkers, agency admins and moderators)
may post as the agency and mark an official reply as the answer to a question; the moderators of
that agency moderate its comments; agency admins open and close its boards. Nobody moderates or
answers officially in their own affairs: their own comments, or a topic they started.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ecitizen.accounts.selectors import primary_email_confirmed
from ecitizen.agencies.models import Agency, Role
from ecitizen.agencies.selectors import agencies_where

OFFICIAL_ROLES = (Role.CASEWORKER, Role.AGENCY_ADMIN, Role.MODERATOR)


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_take_part(user: Any) -> bool:
    """May *user* post, follow and flag? Signed in with a confirmed email address."""
    return _signed_in(user) and user.is_active and primary_email_confirmed(user)


def official_agencies(user: Any) -> QuerySet[Agency]:
    if not _signed_in(user):
        return Agency.objects.none()
    return agencies_where(user, *OFFICIAL_ROLES)


def can_answer_officially(user: Any, thread: Any) -> bool:
    """May *user* post as *thread*'s agency? Not in a topic they started themselves."""
    if thread.agency_id is None or not _signed_in(user):
        return False
    if thread.starter_id is not None and thread.starter_id == user.pk:
        return False
    return official_agencies(user).filter(pk=thread.agency_id).exists()


def moderated_agencies(user: Any) -> QuerySet[Agency]:
    if not _signed_in(user):
        return Agency.objects.none()
    return agencies_where(user, Role.MODERATOR)


def can_moderate(user: Any, comment: Any) -> bool:
    """May *user* hide or restore *comment*? A moderator of its agency, neither its author nor
    one of the people who reported it (they are a party to the case)."""
    if comment.author_id == getattr(user, "pk", None) or comment.thread.agency_id is None:
        return False
    if comment.flags.filter(user_id=user.pk).exists():
        return False
    return moderated_agencies(user).filter(pk=comment.thread.agency_id).exists()


def board_admin_agencies(user: Any) -> QuerySet[Agency]:
    if not _signed_in(user):
        return Agency.objects.none()
    return agencies_where(user, Role.AGENCY_ADMIN)


def can_manage_board(user: Any, agency_id: int) -> bool:
    return board_admin_agencies(user).filter(pk=agency_id).exists()


def can_read_hidden_title(user: Any, thread: Any) -> bool:
    """May *user* read the title of a topic whose opening post is hidden or removed (so that
    everyone else sees its state instead)? The person who started it and the moderators of its
    agency, as they may read a hidden comment."""
    if not _signed_in(user):
        return False
    if thread.starter_id is not None and thread.starter_id == user.pk:
        return True
    return thread.agency_id is not None and moderated_agencies(user).filter(pk=thread.agency_id).exists()

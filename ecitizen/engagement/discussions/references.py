"""How discussions' objects read in the audit log (registered in DiscussionsConfig.ready())."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from ecitizen.core.references import ObjectReference, int_keys, register_reference
from ecitizen.engagement.discussions import policies
from ecitizen.engagement.discussions.models import Board, Comment


def comment_references(viewer: Any, pks: Sequence[str]) -> dict[str, ObjectReference]:
    """ "Comment 12", linked to its place in the discussion (or to its review for its moderators)."""
    moderated = set(policies.moderated_agencies(viewer).values_list("pk", flat=True))
    result = {}
    for comment in Comment.objects.filter(pk__in=int_keys(pks)).select_related("thread"):
        thread = comment.thread
        if thread.agency_id in moderated and comment.author_id != getattr(viewer, "pk", None):
            url = reverse("discussions_staff:review", args=[comment.pk])
        else:
            url = reverse("discussions:subject", args=[thread.kind, thread.key]) + f"#comment-{comment.pk}"
        result[str(comment.pk)] = ObjectReference(kind=_("Comment"), text=f"#{comment.pk}", url=url)
    return result


def board_references(viewer: Any, pks: Sequence[str]) -> dict[str, ObjectReference]:
    return {
        str(pk): ObjectReference(kind=_("Discussion board"), text=title, url=reverse("discussions:board", args=[slug]))
        for pk, title, slug in Board.objects.filter(pk__in=int_keys(pks)).values_list("pk", "title", "slug")
    }


def register() -> None:
    register_reference("discussions.comment", comment_references)
    register_reference("discussions.board", board_references)

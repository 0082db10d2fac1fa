"""Who may do what: one policy object per model, and the access helper views call.

A policy answers three questions (after Wagtail's permission policies):
``can(user, action)`` in general, ``can_for(user, action, obj)`` for one
object, and ``scope(user, action)`` -- the queryset of objects the user may
act on. :func:`access` fetches an object *and* checks it in one step: objects
outside the user's scope answer 404 (their existence is not revealed), objects
in scope that the user may see but not act on answer 403.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404

M = TypeVar("M", bound=models.Model)


class Policy(ABC, Generic[M]):
    model: type[M]

    @abstractmethod
    def can(self, user: Any, action: str) -> bool:
        """May *user* perform *action* on objects of this kind at all?"""

    @abstractmethod
    def scope(self, user: Any, action: str) -> models.QuerySet[M]:
        """The objects on which *user* may perform *action*."""

    def can_for(self, user: Any, action: str, obj: M) -> bool:
        return self.scope(user, action).filter(pk=obj.pk).exists()


def access(
    policy: Policy[M],
    user: Any,
    action: str,
    *,
    view_action: str = "view",
    narrow: Callable[[QuerySet[M]], QuerySet[M]] | None = None,
    **lookup: Any,
) -> M:
    """Return the object matching *lookup* if *user* may perform *action* on it.

    Raises Http404 when the user may not even see it, PermissionDenied when
    they may see it but not perform *action*. *narrow* shapes the read without
    widening it (``select_related``, ``only``): it gets the policy's scope.
    """
    scope = policy.scope(user, view_action)
    try:
        obj = (narrow(scope) if narrow else scope).get(**lookup)
    except (policy.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if action != view_action and not policy.can_for(user, action, obj):
        raise PermissionDenied
    return obj

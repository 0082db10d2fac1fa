"""Template tags other apps use to put a discussion under their pages without importing it::

{% load discussions %}
{% discussion_link "petition" petition.number %}
{% follow_button "petition" petition.number %}
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from ecitizen.engagement.discussions import policies, selectors

register = template.Library()


@register.inclusion_tag("discussions/includes/discussion_link.html")
def discussion_link(kind: str, key: Any) -> dict[str, Any]:
    """A link "Discuss this (N comments)" to the subject's discussion page."""
    key = str(key)
    count = selectors.comment_counts(kind, [key]).get(key, 0)
    return {"url": reverse("discussions:subject", args=[kind, key]), "count": count}


@register.inclusion_tag("discussions/includes/follow_button.html", takes_context=True)
def follow_button(context: template.Context, kind: str, key: Any) -> dict[str, Any]:
    """A form to follow or stop following the subject (a sign-in link for anonymous readers)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    key = str(key)
    signed_in = bool(getattr(user, "is_authenticated", False))
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "kind": kind,
        "key": key,
        "signed_in": signed_in,
        "can_follow": signed_in and policies.can_take_part(user),
        "following": selectors.is_following(user, kind, key) if signed_in else False,
        "next": request.get_full_path() if request is not None else "",
    }


@register.simple_tag
def comment_count(kind: str, key: Any) -> int:
    key = str(key)
    return selectors.comment_counts(kind, [key]).get(key, 0)

"""Template tags other apps' pages use to offer feedback and show satisfaction.

``{% load feedback %}{% feedback_prompt "application" application.reference %}`` draws the
question after a completed transaction (kinds: application, payment, report, document), or
a thank-you line once the person has answered, or nothing when the person may not rate it
(not theirs, not complete, not signed in). ``{% satisfaction_for service %}`` draws the
share of satisfied people on a service's start page, from published months only (see
selectors, "public figures").

``{% load feedback %}{% feedback_report_invitation report %}`` is for the plain-text email that
tells a reporter without an account that their report is closed: a line inviting them to rate
the service through a signed link (see the ``links`` module), or nothing for anyone else --
a reporter with an account rates on the report's page, signed in.
"""

from __future__ import annotations

from django import template

from ecitizen.core.site import absolute_url
from ecitizen.engagement.feedback import selectors
from ecitizen.engagement.feedback.forms import FeedbackForm
from ecitizen.engagement.feedback.transactions import report_rating_link, transaction_for

register = template.Library()


@register.inclusion_tag("feedback/_prompt.html", takes_context=True)
def feedback_prompt(context, kind: str, reference) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    found = transaction_for(user, kind, reference) if user is not None else None
    if found is None:
        return {"show": False}
    existing = selectors.rating_for(user, kind, reference)
    return {
        "show": True,
        "transaction": found,
        "existing": existing,
        "final": existing is not None and selectors.month_is_over(existing.month),
        "form": FeedbackForm(),
        "next": request.get_full_path(),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("feedback/_satisfaction.html")
def satisfaction_for(service) -> dict:
    return {"summary": selectors.service_satisfaction(service), "months": selectors.conf.start_page_months()}


@register.inclusion_tag("feedback/email/_report_invitation.txt")
def feedback_report_invitation(report) -> dict:
    path = report_rating_link(report)
    return {"link": absolute_url(path) if path else ""}

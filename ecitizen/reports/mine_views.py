"""The citizen's own page of Report a problem: the reports they made and the ones they follow."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ecitizen.accounts.selectors import primary_email_confirmed
from ecitizen.reports.selectors import reports_followed_by, reports_made_by

# The newest this many of each; a person with more is told so (the public list searches them all).
MINE_LIMIT = 50


@login_required
@require_GET
def my_reports(request):
    made = list(reports_made_by(request.user)[: MINE_LIMIT + 1])
    followed = list(
        reports_followed_by(request.user, email_confirmed=primary_email_confirmed(request.user))[: MINE_LIMIT + 1]
    )
    return render(
        request,
        "reports/mine.html",
        {
            "made": made[:MINE_LIMIT],
            "followed": followed[:MINE_LIMIT],
            "more_made": len(made) > MINE_LIMIT,
            "more_followed": len(followed) > MINE_LIMIT,
            "limit": MINE_LIMIT,
        },
    )

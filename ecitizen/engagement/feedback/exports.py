"""CSV exports of the staff pages: satisfaction per topic and month, and the comments."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.utils import timezone

from ecitizen.core.spreadsheets import spreadsheet_cell as _cell
from ecitizen.engagement.feedback.models import Answer, Rating
from ecitizen.engagement.feedback.selectors import ANSWERS_BEST_FIRST, SatisfactionRow


def _answer_key(answer: Answer) -> str:
    return answer.name.lower()


def satisfaction_csv(rows: Iterable[SatisfactionRow]) -> str:
    """One line per topic and month; the counts of each answer, the total, the share satisfied and
    whether the month's figures are final ("false": the month is not over, a count so far;
    empty when not worked out)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "month",
            "agency",
            "service",
            "topic",
            "title",
            *(_answer_key(a) for a in ANSWERS_BEST_FIRST),
            "total",
            "satisfied_share",
            "final",
        ]
    )
    for row in rows:
        share = row.satisfied_share
        writer.writerow(
            [
                _cell(value)
                for value in (
                    row.month.isoformat()[:7] if row.month else "",
                    row.agency_slug,
                    row.service_slug,
                    row.topic,
                    row.title,
                    *(row.counts[a.value] for a in ANSWERS_BEST_FIRST),
                    row.total,
                    "" if share is None else f"{share:.4f}",
                    "" if row.final is None else str(row.final).lower(),
                )
            ]
        )
    return out.getvalue()


def comments_csv(ratings: Iterable[Rating], title_of) -> str:
    """The comments, newest first: when, what, the answer and channel -- never who."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "month", "agency", "service", "kind", "channel", "answer", "comment"])
    for rating in ratings:
        writer.writerow(
            [
                _cell(value)
                for value in (
                    timezone.localtime(rating.updated_at).date().isoformat(),
                    rating.month.isoformat()[:7],
                    rating.agency.slug if rating.agency_id else "",
                    title_of(rating),
                    rating.kind,
                    rating.channel,
                    _answer_key(Answer(rating.answer)),
                    rating.comment,
                )
            ]
        )
    return out.getvalue()

"""Builders shared by the staff dashboards' tests (no tests here).

Rollup rows are written straight into their tables: the rollup engine has its own tests, and
these check what the pages make of the rows. Cases are written straight too, with the moments
the queue filters on, so that a figure and the cases behind it can be compared.
"""

from __future__ import annotations

import datetime
import itertools
import uuid

from django.utils import timezone

from ecitizen.analytics import rollups
from ecitizen.analytics.models import ServiceDay

D = datetime.date
#: Every test that reads today pins the clock here (a Wednesday, mid-morning in London).
TODAY = D(2026, 6, 17)
NOW = "2026-06-17 10:00:00+01:00"

SERVICE_FORM = {
    "pages": [
        {
            "id": "vehicle",
            "title": {"en": "Your vehicle", "es": "Su vehículo"},
            "questions": [{"id": "registration", "type": "text", "label": {"en": "Registration number"}}],
        },
        {
            "id": "proof",
            "title": {"en": "Proof of address"},
            "questions": [{"id": "bill", "type": "text", "label": {"en": "Bill number"}}],
        },
        {
            "id": "about",
            "title": {"en": "About you"},
            "questions": [{"id": "name", "type": "text", "label": {"en": "Full name"}}],
        },
    ]
}

_slugs = itertools.count(1)
_references = itertools.count(1)


def make_service(agency, *, title: str = "Resident parking permit", deadline: int = 10):
    """A published service of *agency* with the three-page form above, as a version applicants use."""
    from ecitizen.cases.tests.conftest import make_version

    version = make_version(agency, slug=f"svc-{next(_slugs)}", form=SERVICE_FORM, deadline=deadline)
    service = version.service
    service.title = {"en": title}
    service.save(update_fields=["title"])
    return service


def day(service, when: datetime.date, channel: str = "online", **counts) -> ServiceDay:
    row = ServiceDay.objects.create(day=when, agency=service.agency, service=service, channel=channel, **counts)
    rollups.recompute_month_totals([when])  # whole months are read from the month rows
    return row


def local(day_: datetime.date, hour: int = 12) -> datetime.datetime:
    """Midday (or *hour*) of a local day, as an aware datetime."""
    return datetime.datetime.combine(day_, datetime.time(hour), tzinfo=timezone.get_current_timezone())


def case(service, citizen, *, status: str = "submitted", sent=None, decided=None, **fields):
    """An application to *service* written straight into the table (see the module docstring)."""
    from ecitizen.cases.models import Application

    sent_at = local(sent) if isinstance(sent, datetime.date) and not isinstance(sent, datetime.datetime) else sent
    decided_at = (
        local(decided) if isinstance(decided, datetime.date) and not isinstance(decided, datetime.datetime) else decided
    )
    return Application.objects.create(
        reference=f"{service.agency.code}-2026-{next(_references):06d}",
        citizen=citizen,
        agency=service.agency,
        service_version=service.current_version,
        status=status,
        submitted_at=sent_at,
        queued_at=sent_at,
        decided_at=decided_at,
        due_date=fields.pop("due_date", TODAY + datetime.timedelta(days=10)),
        start_token=uuid.uuid4(),
        **fields,
    )


# --- reading pages -------------------------------------------------------------------------------


def tables(body: str) -> dict[str, list[list[str]]]:
    """``{caption: rows}`` of every table of *body*, each row its cells' visible text (a header
    cell's hint included), in order. Tables without a caption are left out."""
    from html.parser import HTMLParser

    found: dict[str, list[list[str]]] = {}

    class Reader(HTMLParser):
        def __init__(self):
            super().__init__()
            self.caption = self.rows = self.cell = None
            self.in_caption = False

        def handle_starttag(self, tag, attrs):
            if tag == "table":
                self.caption, self.rows = "", []
            elif tag == "caption":
                self.in_caption = True
            elif tag == "tr" and self.rows is not None:
                self.rows.append([])
            elif tag in ("td", "th") and self.rows is not None:
                self.cell = []

        def handle_endtag(self, tag):
            if tag == "caption":
                self.in_caption = False
            elif tag in ("td", "th") and self.cell is not None and self.rows:
                self.rows[-1].append(" ".join(" ".join(self.cell).split()))
                self.cell = None
            elif tag == "table" and self.rows is not None:
                if self.caption.strip():
                    found[" ".join(self.caption.split())] = self.rows
                self.rows = None

        def handle_data(self, data):
            if self.in_caption:
                self.caption += data
            elif self.cell is not None:
                self.cell.append(data)

    Reader().feed(body)
    return found


HIDDEN_LINK_TEXT = (" – see the cases behind this figure", " – see the reports behind this figure")


def plain(cell: str) -> str:
    """A cell's text without the words only screen readers get after a linked number."""
    for words in HIDDEN_LINK_TEXT:
        cell = cell.replace(words, "")
    return cell


def figure(body: str, caption: str, label: str) -> str:
    """The figure of the measure *label* in the table captioned *caption* (its hint aside)."""
    for cells in tables(body)[caption]:
        if cells and (cells[0] == label or cells[0].startswith(label + " ")) and len(cells) > 1:
            return plain(cells[1])
    raise AssertionError(f"no {label!r} in {caption!r}: {tables(body)[caption]}")


def table_rows(body: str, caption: str) -> list[list[str]]:
    """The rows of the table captioned *caption*, without the words only screen readers get."""
    return [[plain(cell) for cell in cells] for cells in tables(body)[caption]]


def page_text(response) -> str:
    """The page's visible text, one space between words."""
    import html
    import re

    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())

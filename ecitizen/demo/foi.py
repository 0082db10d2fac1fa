"""Demo information requests, made through the requests' services, in every state:

waiting (one due soon), overdue (received by post weeks ago), waiting for clarification,
extended, answered on time, answered late, refused with an exemption, partly refused, and one
under internal review; one with the requester's name hidden. Idempotent: a request is made only
if none has its title yet (its create token is derived from the title too).
"""

from __future__ import annotations

import uuid

from allauth.account.models import EmailAddress

from ecitizen.accounts.models import User
from ecitizen.agencies.models import Agency
from ecitizen.records.foi import clock, services
from ecitizen.records.foi.models import FoiRequest

AMINA, BEN, LUCIA = "amina@example.org", "ben@example.org", "lucia@example.org"
COUNCIL_STAFF, TRANSPORT_STAFF = "caseworker@council.example", "caseworker@transport.example"
COUNCIL_ADMIN = "admin@council.example"


def _user(email: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None)
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


# title, requester, agency slug, request text, working days ago received, what happens next, hide name
REQUESTS = [
    ("Cost of the Riverside library roof repairs", AMINA, "city-council",
     "Please send the contract and the final invoices for the 2026 roof repairs at Riverside library.",
     3, "waiting", False),
    ("Pot-hole complaints on Mill Lane in 2026", BEN, "city-council",
     "How many pot-hole complaints about Mill Lane did the council receive in 2026, by month?",
     18, "waiting", False),
    ("Bus punctuality figures for route 12", LUCIA, "transport-agency",
     "Please send the monthly punctuality figures for bus route 12 for the last two years.",
     30, "waiting", False),
    ("Street lighting contract", AMINA, "city-council",
     "Please send the current street lighting maintenance contract.",
     6, "clarify", False),
    ("Consultants hired for the new tram line", BEN, "transport-agency",
     "Which consultants were hired for the tram line study, and how much were they paid?",
     15, "extend", False),
    ("Number of public toilets in the city centre", LUCIA, "city-council",
     "How many public toilets does the council run in the city centre, and what are their opening hours?",
     8, "answer", False),
    ("Parking fines issued in December", AMINA, "city-council",
     "How many parking fines were issued in December 2026, by street?",
     25, "answer", True),
    ("Names of staff disciplined in 2026", BEN, "city-council",
     "Please send the names of council staff disciplined in 2026 and the reasons.",
     10, "refuse", False),
    ("Ticket machine supplier contract", LUCIA, "transport-agency",
     "Please send the contract with the ticket machine supplier, including prices.",
     12, "partly", False),
    ("Grass cutting schedule for parks", AMINA, "city-council",
     "Please send the grass cutting schedule for every park, with the cost of the contract.",
     14, "review", False),
]  # fmt: skip


def seed_foi() -> list[str]:
    """Make the demo requests that are missing; returns a line per request for the command's output."""
    staff = {"city-council": _user(COUNCIL_STAFF), "transport-agency": _user(TRANSPORT_STAFF)}
    today = clock.today()
    lines = []
    for title, email, slug, body, days_ago, next_step, hide_name in REQUESTS:
        foi = FoiRequest.objects.filter(title=title).first()
        if foi is None:
            agency = Agency.objects.get(slug=slug)
            requester = _user(email)
            received = today
            for _ in range(days_ago):  # back to the working day *days_ago* working days before today
                received = _previous_working_day(received)
            foi = services.foi_request_create(
                actor=requester,
                agency=agency,
                title=title,
                body=body,
                hide_name=hide_name,
                create_token=uuid.uuid5(uuid.NAMESPACE_URL, f"demo-foi-{title}"),
                received_on=received,
            )
            worker = staff[slug]
            if next_step == "clarify":
                foi = services.foi_clarification_ask(
                    actor=worker, foi=foi, question="Do you mean the contract for the whole city, or one district?"
                )
            elif next_step == "extend":
                foi = services.foi_extend(
                    actor=worker, foi=foi, reason="We must consult the consultants before releasing the fees."
                )
            elif next_step == "answer":
                foi = services.foi_answer(
                    actor=worker, foi=foi, answer="Thank you for your request. The figures you asked for are below."
                )
            elif next_step in ("refuse", "partly", "review"):
                foi = services.foi_refuse(
                    actor=worker,
                    foi=foi,
                    exemption="personal" if next_step == "refuse" else "commercial",
                    explanation="Releasing this would harm the people or the companies it names.",
                    partly=next_step != "refuse",
                )
                if next_step == "review":
                    foi = services.foi_review_request(
                        actor=requester, foi=foi, reason="The cost of a public contract is in the public interest."
                    )
        state = foi.get_status_display()
        if foi.is_overdue(today):
            state = f"{state}, overdue"
        lines.append(f"request {foi.pk} ({state})")
    return lines


def _previous_working_day(day):
    import datetime

    day -= datetime.timedelta(days=1)
    while not clock.is_working_day(day):
        day -= datetime.timedelta(days=1)
    return day

"""Demo consultations and surveys of the City Council, made through the consultations' services:

- "A car-free town square" (open): a draft text people comment on passage by passage, questions,
  responses from Amina (named) and Ben (anonymous), a comment by Lucía on passage 2;
- "Opening hours of the libraries" (closed early, outcome published): responses from Amina and
  Ben, and the council's "We asked, you said, we did";
- "How do you find the bin collection?" (an open survey for anyone signed in).

Idempotent: each item is made only if it is not there yet.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from ecitizen.accounts.models import User
from ecitizen.agencies.models import Agency
from ecitizen.engagement.consultations import services
from ecitizen.engagement.consultations.models import Consultation, PassageComment, Response
from ecitizen.engagement.consultations.policies import may_publish_named

ADMIN = "admin@council.example"

SQUARE_FORM = {
    "pages": [
        {
            "id": "views",
            "title": {"en": "Your views", "es": "Su opinión", "fr": "Votre avis"},
            "questions": [
                {
                    "id": "support",
                    "type": "choice",
                    "label": {"en": "Do you support a car-free town square?", "es": "¿Apoya una plaza sin coches?"},
                    "choices": [
                        {"value": "yes", "label": {"en": "Yes", "es": "Sí"}},
                        {"value": "no", "label": {"en": "No", "es": "No"}},
                        {"value": "unsure", "label": {"en": "Not sure", "es": "No lo sé"}},
                    ],
                },
                {
                    "id": "why",
                    "type": "textarea",
                    "label": {"en": "Tell us why", "es": "Díganos por qué"},
                    "required": False,
                    "max_length": 2000,
                },
            ],
        },
        {
            "id": "travel",
            "title": {"en": "How you travel", "es": "Cómo se desplaza"},
            "questions": [
                {
                    "id": "modes",
                    "type": "multi_choice",
                    "label": {"en": "How do you usually reach the square?"},
                    "choices": [
                        {"value": "walk", "label": {"en": "On foot"}},
                        {"value": "cycle", "label": {"en": "By bicycle"}},
                        {"value": "bus", "label": {"en": "By bus"}},
                        {"value": "car", "label": {"en": "By car"}},
                    ],
                },
            ],
        },
    ]
}

SQUARE_TEXT = (
    "1. From 1 April, motor vehicles may not enter the town square between 10am and 6pm.\n\n"
    "2. Bicycle parking for 80 bicycles will be built beside the fountain.\n\n"
    "3. Deliveries to shops are allowed before 10am and after 6pm.\n\n"
    "4. Blue badge holders keep 6 parking spaces on Market Street."
)

LIBRARY_FORM = {
    "pages": [
        {
            "id": "hours",
            "title": {"en": "Opening hours"},
            "questions": [
                {
                    "id": "sunday",
                    "type": "yes_no",
                    "label": {"en": "Should the central library open on Sundays?"},
                },
                {"id": "comment", "type": "textarea", "label": {"en": "Anything else?"}, "required": False},
            ],
        }
    ]
}

BINS_FORM = {
    "pages": [
        {
            "id": "bins",
            "title": {"en": "Bin collection"},
            "questions": [
                {
                    "id": "rating",
                    "type": "choice",
                    "label": {"en": "How satisfied are you with the bin collection?"},
                    "choices": [
                        {"value": "very", "label": {"en": "Very satisfied"}},
                        {"value": "fairly", "label": {"en": "Satisfied"}},
                        {"value": "neither", "label": {"en": "Neither satisfied nor dissatisfied"}},
                        {"value": "not", "label": {"en": "Dissatisfied"}},
                    ],
                },
                {"id": "improve", "type": "textarea", "label": {"en": "What could we do better?"}, "required": False},
            ],
        }
    ]
}


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _make(admin: User, agency: Agency, *, slug: str, form: dict, **data) -> Consultation:
    existing = Consultation.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    today = timezone.localdate()
    details = {
        "kind": "consultation",
        "slug": slug,
        "opens_on": today - datetime.timedelta(days=14),
        "closes_on": today + datetime.timedelta(days=42),
        "eligibility": "signed_in",
        "summary": {},
        "description": {},
        "policy_text": {},
        **data,
    }
    c = services.consultation_create(actor=admin, agency=agency, data=details)
    c = services.consultation_form_update(actor=admin, consultation=c, form=form)
    return services.consultation_publish(actor=admin, consultation=c)


def _respond(user: User | None, c: Consultation, pages: dict[str, dict], publication: str) -> None:
    if user is None or Response.objects.filter(consultation=c, user=user, submitted_at__isnull=False).exists():
        return
    for page_id, answers in pages.items():
        services.response_save_page(actor=user, consultation=c, page_id=page_id, answers=answers)
    services.response_submit(actor=user, consultation=c, publication=_choice(user, publication))


def _choice(user: User, publication: str) -> str:
    """Only verified identities publish with their name; others are published without it."""
    return publication if publication != "named" or may_publish_named(user) else "anonymous"


def demo_consultations_load() -> list[str]:
    admin, agency = _user(ADMIN), Agency.objects.filter(slug="city-council").first()
    if admin is None or agency is None:
        return ["consultations skipped (no City Council admin)"]
    amina, ben, lucia = _user("amina@example.org"), _user("ben@example.org"), _user("lucia@example.org")

    square = _make(
        admin,
        agency,
        slug="car-free-town-square",
        form=SQUARE_FORM,
        title={"en": "A car-free town square", "es": "Una plaza sin coches", "fr": "Une place sans voitures"},
        summary={"en": "Should the town square be closed to cars during the day? Read the draft order and tell us."},
        description={
            "en": "The council proposes to close the town square to motor traffic from 10am to 6pm.\n\n"
            "Read the draft traffic order, comment on any part of it, and answer two short pages of questions."
        },
        policy_text={"en": SQUARE_TEXT},
    )
    _respond(
        amina,
        square,
        {
            "views": {"support": "yes", "why": "Safer for children and quieter for the cafés."},
            "travel": {"modes": ["walk", "bus"]},
        },
        "named",
    )
    _respond(
        ben,
        square,
        {"views": {"support": "no", "why": "Deliveries will be harder for small shops."}, "travel": {"modes": ["car"]}},
        "anonymous",
    )
    if lucia is not None and not PassageComment.objects.filter(consultation=square, user=lucia).exists():
        services.passage_comment_add(
            actor=lucia,
            consultation=square,
            passage=2,
            text="Please make some of the racks covered: it rains a lot here.",
            publication=_choice(lucia, "named"),
        )

    library = _make(
        admin,
        agency,
        slug="library-opening-hours",
        form=LIBRARY_FORM,
        title={"en": "Opening hours of the libraries"},
        summary={"en": "Should the central library open on Sundays?"},
    )
    _respond(
        amina, library, {"hours": {"sunday": "yes", "comment": "Sunday afternoons would help families."}}, "anonymous"
    )
    _respond(ben, library, {"hours": {"sunday": "yes", "comment": ""}}, "private")
    if not library.closed_early_at and library.is_open():
        library = services.consultation_close_early(actor=admin, consultation=library)
    if not library.outcome_published_at:
        services.outcome_publish(
            actor=admin,
            consultation=library,
            outcome={
                "en": "We asked whether the central library should open on Sundays.\n\n"
                "You said yes: every response supported Sunday opening, most of all in the afternoon.\n\n"
                "We did: from next month the central library opens on Sundays from 12 noon to 4pm."
            },
        )

    bins = _make(
        admin,
        agency,
        slug="bin-collection-survey",
        form=BINS_FORM,
        kind="survey",
        listed=True,
        title={"en": "How do you find the bin collection?"},
        summary={"en": "A two-question survey for residents who are signed in."},
    )
    _respond(
        amina, bins, {"bins": {"rating": "fairly", "improve": "Collect garden waste weekly in summer."}}, "private"
    )

    sent = square.responses.exclude(submitted_at=None).count()
    return [
        f"consultation “{square.display_title()}” open with {sent} responses",
        f"“{library.display_title()}” closed with its outcome published",
        f"survey “{bins.display_title()}” open",
    ]

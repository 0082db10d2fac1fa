"""Demo satisfaction ratings: enough, across services and the last twelve months, for the figures
to show on the services' start pages, the public satisfaction page and the staff pages.

Public figures count a month of a service only once the month is over and at least
FEEDBACK_MIN_RATINGS (10) people rated the service in it. So twelve demo raters
(rater01@raters.example ... rater12@raters.example, verified against made-up people added to
the population register) each send an application to two services in each of the last three
full months (12 ratings a month a service: published), and the first two raters also rate
applications in the other months of the year (2 a month: suppressed, shown to staff only).
Applications go through the cases services (fees paid at the counter, so payments are rated as
"counter"), ratings through the feedback service, dated in their months (the same answers and
months on every run). Amina rates nothing: her pages still ask.

Idempotent: a rater who has rated already is left as they are. Run after seed_services and
the demo staff exist (seed_demo calls it last).
"""

from __future__ import annotations

import datetime

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from ecitizen.accounts.models import Profile, User
from ecitizen.accounts.services import identity_verify_with_register
from ecitizen.catalogue.models import Service
from ecitizen.demo.dashboard import _submitted_and_paid
from ecitizen.engagement.feedback.models import Rating
from ecitizen.engagement.feedback.services import feedback_give
from ecitizen.exchange.services import Person, population_register_load
from ecitizen.payments.models import Payment, PaymentStatus

RATERS = 12
DOMAIN = "raters.example"
CASEWORKER = "caseworker@council.example"
SERVICES = ["resident-parking-permit", "street-trading-licence"]  # no upload needed to send them
GIVEN = ["Ada", "Bilal", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivo", "Jun", "Kemi", "Luca"]
PUBLISHED_MONTHS = (1, 2, 3)  # months ago in which every rater rates both services
SPREAD_RATERS = 2  # raters who also rate in the other months (too few there to publish)
# Answers (5 very satisfied ... 1 very dissatisfied) cycled through: mostly satisfied, not all.
ANSWERS = [5, 4, 4, 5, 3, 4, 2, 5, 4, 1, 5, 4]
COMMENTS = {
    3: "The form asked for my address twice.",
    6: "I could not find how much it costs until the end.",
    9: "The page about documents was confusing. Say which proof of address you accept.",
    12: "Quick and clear, thank you.",
}


def _person(n: int) -> Person:
    return Person(
        f"FB-{n:06d}-Q",
        GIVEN[(n - 1) % len(GIVEN)],
        "Rater",
        datetime.date(1980, 1, 1) + datetime.timedelta(days=97 * n),
    )


def _rater(n: int) -> User:
    email = f"rater{n:02d}@{DOMAIN}"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None)
        Profile.objects.get_or_create(user=user, defaults={"preferred_language": "en"})
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        person = _person(n)
        identity_verify_with_register(
            user=user,
            given_name=person.given_name,
            family_name=person.family_name,
            date_of_birth=person.date_of_birth,
            national_id=person.national_id,
        )
    return user


def _moment(months_ago: int, day: int) -> datetime.datetime:
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - months_ago
    when = datetime.datetime(index // 12, index % 12 + 1, min(day, 28), 11, 0)
    return min(timezone.make_aware(when), timezone.now())


def _sent_in_its_month(user: User, service: Service, caseworker: User, rated_at: datetime.datetime):
    """The application sent and paid an hour before it is rated, in the month of its rating: one
    person does not send the same application twice at once (the surge test's consistency check
    would rightly call that a duplicate)."""
    try:
        import time_machine
    except ImportError:  # pragma: no cover - the demo needs the development requirements
        return _submitted_and_paid(user, service, caseworker)
    with time_machine.travel(rated_at - datetime.timedelta(hours=1), tick=True):
        return _submitted_and_paid(user, service, caseworker)


@transaction.atomic
def demo_feedback_load() -> list[str]:
    """Make the demo ratings; returns what happened, in short lines."""
    caseworker = User.objects.filter(email=CASEWORKER).first()
    services = list(Service.objects.filter(slug__in=SERVICES, current_version__isnull=False).order_by("slug"))
    if caseworker is None or not services:
        return ["satisfaction ratings: skipped (run seed_demo: the caseworker and services are missing)"]
    population_register_load([_person(n) for n in range(1, RATERS + 1)])
    made = 0
    for n in range(1, RATERS + 1):
        user = _rater(n)
        if Rating.objects.filter(rater=user).exists():
            continue
        plan = [(months_ago, service) for months_ago in PUBLISHED_MONTHS for service in services]
        if n <= SPREAD_RATERS:
            plan += [(months_ago, services[0]) for months_ago in range(12) if months_ago not in PUBLISHED_MONTHS]
        for step, (months_ago, service) in enumerate(plan):
            application = _sent_in_its_month(user, service, caseworker, _moment(months_ago, n * 2))
            answer = ANSWERS[(n + step) % len(ANSWERS)]
            feedback_give(
                actor=user,
                kind="application",
                reference=application.reference,
                answer=answer,
                comment=COMMENTS.get(n, "") if step == 0 else "",
                now=_moment(months_ago, n * 2),
            )
            made += 1
            payment = Payment.objects.filter(bill__application=application, status=PaymentStatus.SUCCESS).first()
            if payment is not None and n % 2 == 0 and step < len(services):
                feedback_give(
                    actor=user,
                    kind="payment",
                    reference=payment.reference,
                    answer=min(5, answer + 1),
                    now=_moment(months_ago, n * 2 + 1),
                )
                made += 1
    total = Rating.objects.filter(rater__email__endswith=f"@{DOMAIN}").count()
    return [f"satisfaction ratings: {made} made now, {total} in all, over {len(services)} services and 12 months"]

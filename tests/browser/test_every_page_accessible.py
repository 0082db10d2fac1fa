"""Every page someone can GET passes axe-core with zero violations.

One realistic data set (a verified citizen with an approved and a submitted
application, a draft, an issued document, a paid bill and an open one, an
inbox message, an access record; a caseworker, an agency admin and an auditor
of City Council with TOTP; a service with a fee; a tax with assessments). Each
persona signs in once in its own browser context and visits every page it can
reach, then a few pages shown after an action (forms with errors, MFA set-up
behind the password prompt), some pages on a phone-sized screen and in Spanish.
All violations are collected and reported together at the end, so one run
shows everything that needs fixing. A second test visits the same pages with
JavaScript off and checks they arrive, with one h1, a main landmark and a
working skip link as the first Tab stop.
"""

from __future__ import annotations

import re
import uuid

import pytest

from ecitizen.voting.budgeting.tests.ballots_fixtures import make_voter  # noqa: F401 (referendum fixtures)
from ecitizen.voting.budgeting.tests.conftest import districts  # noqa: F401
from ecitizen.voting.referendums.tests.staff_fixtures import make_referendum, referendum_people  # noqa: F401
from tests.browser.conftest import PASSWORD, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(settings, make_user, with_mfa, agency_a, verify_identity):
    from ecitizen.agencies.models import Membership
    from ecitizen.cases import services as cases
    from ecitizen.cases.tests.conftest import make_version
    from ecitizen.catalogue.models import LifeEvent
    from ecitizen.documents.models import IssuedDocument
    from ecitizen.payments.models import LineKind
    from ecitizen.payments.providers import sandbox
    from ecitizen.payments.services import bill_create, payment_create
    from ecitizen.payments.taxes import assessments_import_csv, tax_save
    from ecitizen.payments.tests.tax_fixtures import HOMES_CSV, TAX_DATA
    from ecitizen.privacy.services import access_record

    citizen = make_user("amina@example.org", given_name="Amina", family_name="Haddad")
    verify_identity(citizen)
    make_user("ben@example.org", given_name="Ben", family_name="Okafor")

    def staff(email, role):
        user = make_user(email)
        Membership.objects.create(user=user, agency=agency_a, role=role)
        return user, with_mfa(user)

    caseworker, caseworker_secret = staff("caseworker@council.example", "caseworker")
    admin, admin_secret = staff("admin@council.example", "agency_admin")
    auditor, auditor_secret = staff("auditor@council.example", "auditor")

    permit = make_version(agency_a)
    fee_version = make_version(agency_a, slug="garden-waste", fee=3000)
    moving = LifeEvent.objects.create(slug="moving-house", name={"en": "Moving house"})
    permit.service.life_events.add(moving)

    def submit(version):
        draft = cases.application_start(citizen=citizen, service_version=version, start_token=uuid.uuid4())
        cases.application_save_page(
            citizen=citizen, application=draft, page_id="vehicle", answers={"registration": "AB12 CDE", "moved": "no"}
        )
        return cases.application_submit(citizen=citizen, application=draft, declaration=True)

    approved = submit(permit)
    approved = cases.case_assign(
        actor=caseworker, application=approved, assignee=caseworker, expected_version=approved.version
    )
    approved = cases.case_approve(actor=caseworker, application=approved, expected_version=approved.version)
    document = IssuedDocument.objects.get(application=approved)
    open_case = submit(permit)
    draft = cases.application_start(citizen=citizen, service_version=fee_version, start_token=uuid.uuid4())
    cases.application_save_page(
        citizen=citizen, application=draft, page_id="vehicle", answers={"registration": "XY34 ZZZ", "moved": "no"}
    )

    def bill(amount):
        import datetime

        from django.utils import timezone

        description = {"en": "Resident parking permit"}
        return bill_create(
            actor=None,
            agency=agency_a,
            payer=citizen,
            currency="GBP",
            lines=[(LineKind.FEE, description, amount)],
            description=description,
            due_date=timezone.localdate() + datetime.timedelta(days=30),
        )

    paid_bill = bill(3000)
    paid = payment_create(payer=citizen, bill=paid_bill, idempotency_key="paid")
    sandbox.submit_card(provider_id=paid.provider_id, card_number="4444333322221111")
    paid.refresh_from_db()
    assert paid.status == "success", paid.status
    open_bill = bill(4500)
    in_progress = payment_create(payer=citizen, bill=open_bill, idempotency_key="open")

    access_record(staff=caseworker, agency=agency_a, citizen=citizen, purpose="Identity check", subject=None)

    tax = tax_save(actor=admin, agency=agency_a, data=TAX_DATA)
    assert assessments_import_csv(actor=admin, tax=tax, year=2026, file=HOMES_CSV.encode()).ok

    settings.REPORTS_TILE_URL = ""  # no tile server is reachable from the tests
    reports = _reports_world(agency_a, citizen, caseworker)
    ledger = _ledger_world(approved, document)
    analytics = _analytics_world(agency_a, admin, permit.service)

    return {
        "reports": reports,
        "ledger": ledger,
        "analytics": analytics,
        "citizen": (citizen.email, None),
        "caseworker": (caseworker.email, caseworker_secret),
        "admin": (admin.email, admin_secret),
        "auditor": (auditor.email, auditor_secret),
        "agency": agency_a,
        "permit": permit.service,
        "fee_service": fee_version.service,
        "approved": approved,
        "open_case": open_case,
        "draft": draft,
        "document": document,
        "paid_bill": paid_bill,
        "paid": paid,
        "open_bill": open_bill,
        "in_progress": in_progress,
        "tax": tax,
    }


def _reports_world(agency, citizen, caseworker) -> dict:
    """Problem reports: an open one with an update, a fixed one, one passed on, an alert, a questionnaire."""
    import datetime

    from django.utils import timezone

    from ecitizen.exchange.services import address_register_load
    from ecitizen.reports import alerts, questionnaire
    from ecitizen.reports import services as reports
    from ecitizen.reports.models import Alert, Category, Questionnaire, Status
    from ecitizen.reports.tests.conftest import make_area, square

    area = make_area(agency, "Northbridge", square(0.000, 52.000, 0.060, 52.040))
    Category.objects.create(agency=agency, code="pothole", name={"en": "Pot-hole"}, guidance={"en": "How deep?"})
    address_register_load(
        actor=None,
        rows=[
            {
                "uprn": "1001",
                "line": "1 Mill Lane, Old Town, Northbridge NB1 1AA",
                "street": "Mill Lane",
                "number": "1",
                "locality": "Old Town",
                "town": "Northbridge",
                "postcode": "NB1 1AA",
                "latitude": 52.03,
                "longitude": 0.01,
            },
        ],
    )

    def report(title, **extra):
        return reports.report_create(
            actor=citizen,
            service_code="pothole",
            latitude=52.021,
            longitude=0.031,
            title=title,
            description="A deep hole by the bus stop.",
            **extra,
        )

    open_report = report("Pot-hole by the bus stop")
    reports.report_add_update(actor=citizen, report=open_report, text="It is getting bigger.")
    fixed = report("Pot-hole on Mill Lane", now=timezone.now() - datetime.timedelta(days=40))
    reports.report_set_status(actor=caseworker, report=fixed, status=Status.FIXED, public_note="Filled in.")
    passed_on = report("Pot-hole in the car park")
    reports.report_set_status(
        actor=caseworker, report=passed_on, status=Status.NOT_RESPONSIBLE, responsible_body="Car park owners"
    )
    reports.report_add_note(actor=caseworker, report=open_report, text="Crew booked for Tuesday.")
    alert = alerts.alert_subscribe(
        actor=None,
        kind="radius",
        email="visitor@example.org",
        language="en",
        latitude=52.02,
        longitude=0.03,
        radius_m=500,
    )
    questionnaire.questionnaires_send_due()
    asked = Questionnaire.objects.get(report=fixed)
    return {
        "open": open_report,
        "fixed": fixed,
        "area": area,
        "category": Category.objects.get(code="pothole"),
        "update": open_report.updates.filter(is_public=True).first(),
        "alert_confirm": alerts.confirm_token(Alert.objects.get(pk=alert.pk)),
        "alert_unsubscribe": alerts.unsubscribe_token(alert),
        "questionnaire": questionnaire.questionnaire_token(asked),
        "confirm": reports.make_token("confirm", open_report.pk),
    }


def _ledger_world(approved, document) -> dict:
    """The public log: the decision and the document in it (recorded by the services, or here if they
    do not record yet), a signed checkpoint and a witness's cosignature."""
    import datetime

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ecitizen.ledger import note
    from ecitizen.ledger import services as ledger
    from ecitizen.ledger.models import LogEntry, PendingEntry, Witness

    def recorded(kind, key):
        return any(m.objects.filter(kind=kind, key=key).exists() for m in (LogEntry, PendingEntry))

    if not recorded("case.decided", approved.reference):
        ledger.ledger_record(
            kind="case.decided", key=approved.reference, body={"agency": approved.agency.slug, "outcome": "approved"}
        )
    if not recorded("document.issued", document.number):
        ledger.ledger_record(
            kind="document.issued",
            key=document.number,
            body={"agency": document.agency.slug, "valid_from": document.valid_from.isoformat()},
        )
    ledger.ledger_integrate()
    checkpoint = ledger.ledger_checkpoint()
    private = Ed25519PrivateKey.generate()
    witness = Witness.objects.create(
        name="witness.example",
        vkey=note.vkey("witness.example", note.public_bytes(private), note.ALG_COSIGNATURE_V1),
        url="https://witness.example/",
        description="The Open Records Trust",
    )
    moment = int((datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(minutes=1)).timestamp())
    ledger.ledger_cosign(size=checkpoint.size, line=note.cosign(checkpoint.text, witness.name, private, moment).line())
    decided = LogEntry.objects.filter(kind="case.decided", key=approved.reference).first()
    return {"decided": decided.index, "number": document.number}


def _analytics_world(agency, admin, service) -> dict:
    """Service performance: the rollups rebuilt from the activity above (today's applications and
    reports), a year of earlier months for *service* so the charts and tables have a history,
    costs per channel and an alert rule.

    The history is written into the day rollups after the rebuild, which would remove rows older
    than the first activity (they stand for months before these tests' data set began), and added
    up into the month rollups as the rollups do; the answers to the feedback question come last,
    as recomputing a month would replace them with the (no) ratings of the live tables."""
    import datetime

    from django.utils import timezone

    from ecitizen.analytics import rollups
    from ecitizen.analytics import services as analytics
    from ecitizen.analytics.models import SatisfactionMonth, ServiceDay

    rollups.rebuild()
    months = []
    month = timezone.localdate().replace(day=1)
    for back in range(1, 13):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
        months.append(month)
        for channel, started, sent in (("online", 20 + back, 15 + back), ("counter", 3 + back % 3, 3 + back % 3)):
            ServiceDay.objects.create(
                day=month.replace(day=15),
                agency=agency,
                service=service,
                channel=channel,
                started=started,
                submitted=sent,
                queued=sent,
                approved=sent - 2,
                refused=2,
                decided_in_time=sent - 1,
                left_queue=sent,
                decision_days={"3": sent - 1, "8": 1},
                refusals={"not_eligible": 1, "evidence_missing": 1},
                stopped_at={"vehicle": 2, "about": 1} if channel == "online" else {},
                info_requests=back % 4,
            )
    rollups.recompute_months(months)
    for back, month in enumerate(months, start=1):
        SatisfactionMonth.objects.create(
            month=month,
            agency=agency,
            service=service,
            topic="application",
            answers={"5": 6, "4": 4, "2": 2 + back % 3},
        )
    analytics.channel_costs_save(actor=admin, agency=agency, amounts={"online": 250, "counter": 1200}, currency="GBP")
    rule, _created = analytics.alert_rule_save(
        actor=admin, agency=agency, service=service, metric="backlog", threshold=5
    )
    return {"alert": rule}


def _pages(w) -> dict[str, list[str | tuple[str, int]]]:
    """Who visits which URL; a tuple gives the expected status when it is not 200."""
    from ecitizen.notifications.models import Notification

    message = Notification.objects.filter(user__email=w["citizen"][0]).first()
    permit, fee_service, tax = w["permit"], w["fee_service"], w["tax"]
    r = w["reports"]
    agency = w["agency"].slug
    analytics_staff = [
        "/staff/analytics/",
        f"/staff/analytics/services/{permit.pk}/",
        "/staff/analytics/reports/",
    ]
    return {
        "visitor": [
            "/",
            "/services/",
            "/services/category/parking/",
            "/services/life-event/moving-house/",
            "/services/parking-permit/",
            "/fees/",
            "/documents/verify/",
            f"/documents/verify/?t={w['document'].token}",
            "/documents/verify/?t=not-a-real-token",
            "/cookies/",
            "/privacy/",
            "/accessibility/",
            ("/no-such-page/", 404),
            "/accounts/login/",
            "/accounts/signup/",
            "/accounts/password/reset/",
            "/accounts/login/code/",
            "/reports/",
            "/reports/?status=open&category=pothole",
            ("/reports/?date_from=2025-01-02&date_to=2025-01-01", 400),
            f"/reports/{r['open'].pk}/",
            f"/reports/{r['fixed'].pk}/",
            "/reports/new/",
            "/reports/new/?q=mill",
            ("/reports/confirm/not-a-token/", 404),
            f"/reports/confirm/{r['confirm']}/",
            "/reports/alerts/",
            "/reports/alerts/new/",
            "/reports/alerts/new/?q=mill",
            f"/reports/{r['open'].pk}/follow/",
            f"/reports/alerts/confirm/{r['alert_confirm']}/",
            f"/reports/alerts/unsubscribe/{r['alert_unsubscribe']}/",
            f"/reports/questionnaire/{r['questionnaire']}/?answer=not_fixed",
            ("/reports/alerts/unsubscribe/forged/", 400),
            # The site search: empty, results by kind, one kind paged, nothing found, a too-long query
            "/search/",
            "/search/?q=parking",
            "/search/?q=parking&kind=services",
            "/search/?q=zzzqqq",
            "/search/?q=" + "x" * 201,
            # The public log: what it is, a document looked up, nothing found, an empty query,
            # a decision with its proof, an entry the log does not have
            "/log/",
            f"/log/search/?q={w['ledger']['number']}",
            "/log/search/?q=NO-SUCH-NUMBER",
            "/log/search/?q=",
            f"/log/entries/{w['ledger']['decided']}/",
            ("/log/entries/999999/", 404),
            # Have your say: the hub (with nothing open in this data set) and the code of conduct
            "/have-your-say/",
            "/have-your-say/code-of-conduct/",
            # Service performance: the overview, an agency, a service, their embeds, the open
            # data's page, an agency that does not publish (a service in Arabic below)
            "/performance/",
            f"/performance/agencies/{agency}/",
            f"/performance/services/{permit.slug}/",
            f"/performance/agencies/{agency}/embed/",
            f"/performance/services/{permit.slug}/embed/",
            "/performance/data/",
            ("/performance/agencies/no-such-agency/", 404),
            # A language in the address (/ar/ redirects to ?lang=ar), then back to English
            "/ar/search/?q=parking",
            f"/performance/services/{permit.slug}/?lang=ar",
            "/search/?q=parking&lang=en",
        ],
        "citizen": [
            "/",
            "/have-your-say/",
            "/services/parking-permit/",
            "/services/garden-waste/",
            "/account/",
            "/account/profile/",
            "/account/identity/",
            "/account/security/",
            "/account/sessions/",
            "/account/language/",
            "/account/inbox/",
            f"/account/inbox/{message.pk}/",
            "/account/privacy/",
            "/applications/",
            f"/applications/{w['approved'].pk}/",
            f"/applications/{w['open_case'].pk}/",
            f"/applications/{w['draft'].pk}/questions/vehicle/",
            f"/applications/{w['draft'].pk}/questions/about/",
            f"/applications/{w['draft'].pk}/check/",
            "/documents/",
            f"/documents/{w['document'].number}/",
            "/payments/",
            f"/payments/bills/{w['paid_bill'].reference}/",
            f"/payments/bills/{w['open_bill'].reference}/",
            f"/payments/receipts/{w['paid'].reference}/",
            f"/payments/return/{w['paid'].reference}/",
            f"/payments/sandbox/pay/{w['in_progress'].provider_id}/",
            "/accounts/2fa/",
            "/accounts/2fa/totp/activate/",
            "/accounts/email/",
            "/accounts/password/change/",
            f"/reports/{r['fixed'].pk}/",
            "/reports/alerts/",
            "/reports/mine/",
            f"/account/identity/?next=/applications/start/{permit.slug}/",
        ],
        "caseworker": [
            "/staff/",
            "/staff/cases/",
            f"/staff/cases/?service={permit.pk}&status=submitted&assignee=&sort=",
            "/staff/cases/?overdue=on",
            f"/staff/cases/{w['open_case'].pk}/",
            f"/staff/cases/{w['open_case'].pk}/approve/",
            f"/staff/cases/{w['approved'].pk}/",
            "/staff/payments/",
            f"/staff/payments/payment/{w['paid'].reference}/",
            "/staff/payments/refunds/",
            "/staff/payments/reconciliation/",
            "/staff/payments/dashboard/",
            "/staff/payments/counter/",
            f"/staff/payments/counter/{w['open_bill'].reference}/",
            "/staff/identity-check/",
            "/staff/relatives/",
            "/staff/reports/",
            "/staff/reports/?status=open&overdue=on",
            f"/staff/reports/{r['open'].pk}/",
            f"/staff/reports/{r['fixed'].pk}/",
            "/accounts/2fa/",
            *analytics_staff,
        ],
        "admin": [
            "/staff/",
            "/staff/engagement/",
            "/staff/services/",
            "/staff/services/new/",
            f"/staff/services/{fee_service.pk}/",
            f"/staff/services/{fee_service.pk}/edit/",
            f"/staff/services/{fee_service.pk}/form/",
            f"/staff/services/{fee_service.pk}/form/pages/add/",
            f"/staff/services/{fee_service.pk}/form/pages/vehicle/edit/",
            f"/staff/services/{fee_service.pk}/form/questions/add/?page=vehicle",
            f"/staff/services/{fee_service.pk}/form/questions/add/?page=vehicle&type=number",
            f"/staff/services/{fee_service.pk}/form/questions/registration/edit/?choose_type=1",
            f"/staff/services/{fee_service.pk}/form/questions/registration/edit/",
            f"/staff/services/{fee_service.pk}/preview/",
            f"/staff/services/{fee_service.pk}/publish/",
            "/staff/taxes/",
            "/staff/taxes/new/",
            f"/staff/taxes/{tax.pk}/",
            f"/staff/taxes/{tax.pk}/edit/",
            f"/staff/taxes/{tax.pk}/assessments/upload/",
            f"/staff/taxes/{tax.pk}/bills/",
            "/staff/payments/settings/",
            "/staff/relatives/",
            "/staff/identity-check/reviews/",
            "/staff/reports/",
            f"/staff/reports/{r['open'].pk}/",
            f"/staff/reports/{r['open'].pk}/hide/",
            f"/staff/reports/updates/{r['update'].pk}/hide/",
            "/staff/reports/moderation/",
            "/staff/reports/categories/",
            "/staff/reports/categories/new/",
            f"/staff/reports/categories/{r['category'].pk}/",
            "/staff/reports/areas/",
            "/staff/reports/areas/new/",
            f"/staff/reports/areas/{r['area'].pk}/",
            *analytics_staff,
            "/staff/analytics/workload/",
            "/staff/analytics/costs/",
            "/staff/analytics/alerts/",
            f"/staff/analytics/alerts/{w['analytics']['alert'].pk}/delete/",
        ],
        "auditor": [
            "/staff/",
            "/staff/audit/",
            "/staff/audit/?action=&actor=caseworker%40council.example&date_from=&date_to=",
            "/staff/audit/?date_to=9999-12-31",
            "/staff/identity-check/reviews/",
            "/staff/payments/reconciliation/",
            "/staff/payments/dashboard/",
            *analytics_staff,
        ],
    }


def _violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} → {targets}")
    return found


def _submit(page, button: str, fields: dict[str, str] | None = None) -> None:
    for label, value in (fields or {}).items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("main").get_by_role("button", name=button, exact=True).first.click()
    page.wait_for_load_state()


def _reauthenticate(page) -> None:
    """allauth asks for the password again before security changes."""
    if "/accounts/reauthenticate/" in page.url:
        _submit(page, "Confirm", {"Password": PASSWORD})


def _actions(w) -> dict[str, list[tuple[str, str | None, object, str]]]:
    """Pages shown after an action rather than by a plain GET.

    Each is (label, URL to open first or None, what to do there or None, the path expected after).
    """
    draft, case = w["draft"].pk, w["open_case"].pk
    return {
        "visitor": [
            ("sign-in with nothing entered", "/accounts/login/", lambda p: _submit(p, "Sign in"), "/accounts/login/"),
            (
                "sign-up with nothing entered",
                "/accounts/signup/",
                lambda p: _submit(p, "Create an account"),
                "/accounts/signup/",
            ),
            (
                "password reset sent",
                "/accounts/password/reset/",
                lambda p: _submit(p, "Send me a reset link", {"Email": "amina@example.org"}),
                "/accounts/password/reset/done/",
            ),
        ],
        "citizen": [
            (
                "question page with errors",
                f"/applications/{draft}/questions/vehicle/",
                lambda p: _submit(p, "Save and continue", {"Registration number": "!!"}),
                f"/applications/{draft}/questions/vehicle/",
            ),
            (
                "check answers without the declaration",
                f"/applications/{draft}/check/",
                lambda p: _submit(p, "Accept and send"),
                f"/applications/{draft}/check/",
            ),
            (
                "set up an authenticator app",
                "/accounts/2fa/totp/activate/",
                _reauthenticate,
                "/accounts/2fa/totp/activate/",
            ),
            (
                "set up an authenticator app with a wrong code",
                None,
                lambda p: _submit(p, "Set up", {"Authenticator code": "000000"}),
                "/accounts/2fa/totp/activate/",
            ),
            ("passkeys", "/accounts/2fa/webauthn/", None, "/accounts/2fa/webauthn/"),
            ("add a passkey", "/accounts/2fa/webauthn/add/", _reauthenticate, "/accounts/2fa/webauthn/add/"),
            (
                "report location with errors",
                "/reports/new/",
                lambda p: _submit(p, "Continue", {"Latitude": "abc", "Longitude": "0.03"}),
                "/reports/new/",
            ),
            (
                "report category",
                "/reports/new/",
                lambda p: _submit(p, "Continue", {"Latitude": "52.021", "Longitude": "0.031"}),
                "/reports/new/category/",
            ),
            ("report category with nothing chosen", None, lambda p: _submit(p, "Continue"), "/reports/new/category/"),
            (
                "report details with nearby reports",
                None,
                lambda p: (p.get_by_label("Pot-hole", exact=True).check(), _submit(p, "Continue")),
                "/reports/new/details/",
            ),
            ("report details with errors", None, lambda p: _submit(p, "Continue"), "/reports/new/details/"),
            (
                "check the report",
                None,
                lambda p: _submit(
                    p, "Continue", {"Give the problem a short title": "Hole", "Describe the problem": "Deep."}
                ),
                "/reports/new/check/",
            ),
            ("report sent", None, lambda p: _submit(p, "Send report"), "/reports/new/sent/"),
        ],
        "caseworker": [
            (
                "new recovery codes",
                "/accounts/2fa/recovery-codes/generate/",
                _reauthenticate,
                "/accounts/2fa/recovery-codes/generate/",
            ),
            ("recovery codes", None, lambda p: _submit(p, "Generate"), "/accounts/2fa/recovery-codes/"),
            (
                "turn off the authenticator app",
                "/accounts/2fa/totp/deactivate/",
                None,
                "/accounts/2fa/totp/deactivate/",
            ),
            (
                "request information with nothing entered",
                f"/staff/cases/{case}/",
                lambda p: _submit(p, "Send request"),
                f"/staff/cases/{case}/",
            ),
            (
                "report status with an error",
                f"/staff/reports/{w['reports']['open'].pk}/",
                lambda p: (
                    p.get_by_label("New status").select_option("not_responsible"),
                    _submit(p, "Change status"),
                ),
                f"/staff/reports/{w['reports']['open'].pk}/",
            ),
        ],
        "admin": [
            (
                "areas file checked before saving",
                "/staff/reports/areas/new/",
                lambda p: (
                    p.get_by_label("GeoJSON file").set_input_files(
                        files=[
                            {
                                "name": "harbour.geojson",
                                "mimeType": "application/geo+json",
                                "buffer": b'{"type": "Polygon", "coordinates": '
                                b"[[[0.0, 52.0], [0.02, 52.0], [0.02, 52.02], [0.0, 52.02], [0.0, 52.0]]]}",
                            }
                        ]
                    ),
                    _submit(p, "Check the file", {"Name (English)": "Harbour"}),
                ),
                "/staff/reports/areas/new/",
            ),
            (
                "costs per channel with a bad amount",
                "/staff/analytics/costs/",
                lambda p: _submit(p, "Save the costs", {"Online": "lots"}),
                "/staff/analytics/costs/",
            ),
            (
                "alert with nothing entered",
                "/staff/analytics/alerts/",
                lambda p: _submit(p, "Save the alert"),
                "/staff/analytics/alerts/",
            ),
        ],
        "auditor": [],
    }


def test_every_page_passes_axe(browser, live_server, world):
    problems: dict[str, list[str]] = {}
    visited = 0
    pages, actions = _pages(world), _actions(world)
    for persona, urls in pages.items():
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(10_000)
        page = context.new_page()
        if persona != "visitor":
            sign_in(page, *world[persona])
        for entry in urls:
            url, expected = entry if isinstance(entry, tuple) else (entry, 200)
            response = page.goto(url)
            key = f"{persona} {url}"
            if response is None or response.status != expected:
                problems.setdefault(key, []).append(f"HTTP {response and response.status}, expected {expected}")
            if "/accounts/login/" in page.url and "/accounts/login/" not in url:
                problems.setdefault(key, []).append(f"sent to {page.url}")
            problems.setdefault(key, []).extend(_violations(page))
            visited += 1
        for label, url, action, expected_path in actions[persona]:
            if url:
                page.goto(url)
            if action:
                action(page)
            path = page.url.removeprefix(live_server.url)
            key = f"{persona}: {label} ({path})"
            if not path.startswith(expected_path):
                problems.setdefault(key, []).append(f"expected to be on {expected_path}")
            problems.setdefault(key, []).extend(_violations(page))
            visited += 1
        context.close()
    # the public pages and the account on a phone-sized screen, where the header folds up
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 360, "height": 740})
    page = context.new_page()
    sign_in(page, world["citizen"][0])
    for url in [
        "/",
        "/services/parking-permit/",
        "/account/",
        f"/applications/{world['draft'].pk}/check/",
        "/payments/",
        "/performance/",
        f"/performance/services/{world['permit'].slug}/",
    ]:
        page.goto(url)
        problems.setdefault(f"narrow screen {url}", []).extend(_violations(page))
        visited += 1
    page.goto("/")
    page.get_by_role("button", name="Menu", exact=True).click()
    problems.setdefault("narrow screen / with the menu open", []).extend(_violations(page))
    visited += 1
    context.close()
    # a visitor whose browser asks for Spanish
    context = browser.new_context(base_url=live_server.url, locale="es-ES")
    page = context.new_page()
    for url in ["/", "/services/parking-permit/", "/fees/", "/accounts/login/", "/performance/", "/performance/data/"]:
        page.goto(url)
        if page.locator("html").get_attribute("lang") != "es":
            problems.setdefault(f"in Spanish {url}", []).append("the page is not in Spanish")
        problems.setdefault(f"in Spanish {url}", []).extend(_violations(page))
        visited += 1
    context.close()

    problems = {key: found for key, found in problems.items() if found}
    assert visited > 100
    assert not problems, f"{len(problems)} of {visited} pages have problems:\n" + "\n".join(
        f"{key}\n    " + "\n    ".join(found) for key, found in problems.items()
    )


def test_every_page_works_without_javascript(browser, live_server, world):
    """The same pages with JavaScript off: each one arrives, has one heading and a main
    landmark, and the first Tab lands on the skip link, which moves to the content."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    problems: dict[str, list[str]] = {}
    visited = 0
    for persona, urls in _pages(world).items():
        context = browser.new_context(base_url=live_server.url, locale="en-GB", java_script_enabled=False)
        context.set_default_timeout(10_000)
        page = context.new_page()
        if persona != "visitor":
            sign_in(page, *world[persona])
        for entry in urls:
            url, expected = entry if isinstance(entry, tuple) else (entry, 200)
            response = page.goto(url)
            found = problems.setdefault(f"{persona} {url}", [])
            if response is None or response.status != expected:
                found.append(f"HTTP {response and response.status}, expected {expected}")
            if page.locator("h1").count() != 1:
                found.append(f"{page.locator('h1').count()} level-one headings")
            if page.locator("main#main-content").count() != 1:
                found.append("no main#main-content")
            page.keyboard.press("Tab")
            if page.locator(":focus").get_attribute("href") != "#main-content":
                found.append("the first Tab does not reach the skip link")
            else:
                page.keyboard.press("Enter")
                try:
                    page.wait_for_url(re.compile("#main-content$"), timeout=2_000)
                except PlaywrightTimeoutError:
                    found.append(f"the skip link does not move to the content (at {page.url})")
            visited += 1
        context.close()
    problems = {key: found for key, found in problems.items() if found}
    assert visited > 80
    assert not problems, f"{len(problems)} of {visited} pages have problems without JavaScript:\n" + "\n".join(
        f"{key}\n    " + "\n    ".join(found) for key, found in problems.items()
    )


# --- Referendums ----------------------------------------------------------------------------------
# Their own data set (run them alone with ``-k referend``): a referendum in every stage, with a
# voter, the returning officer (a caseworker), an agency admin and a trustee, each visiting every
# page they can reach, then the pages shown after a form is sent empty.


def _totp_secret(user) -> str:
    """The TOTP secret of a user given one by the referendum fixtures (which do not return it)."""
    from allauth.mfa.adapter import get_adapter
    from allauth.mfa.models import Authenticator

    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return get_adapter().decrypt(authenticator.data["secret"])


@pytest.fixture
def referendum_world(make_referendum, referendum_people, make_voter):  # noqa: F811 (the fixtures imported)
    from ecitizen.voting.protocol import trustees
    from ecitizen.voting.referendums import result_services, trustee_services
    from ecitizen.voting.referendums.models import BoardBallot

    voter, other = make_voter(), make_voter()

    def keys_with(step: str):
        """A referendum whose trustees have all registered (``deal``) or all dealt (``confirm``)."""
        built = make_referendum("keys")
        rows = list(built.referendum.trustees.order_by("index"))
        for row in rows:
            _secret, public = trustees.new_sealing_keypair()
            trustee_services.trustee_register(actor=row.user, trustee=row, registration={"sealing_key": public})
        if step == "confirm":
            referendum = built.refresh()
            keys = dict(referendum.trustees.values_list("index", "sealing_key"))
            for row in rows:
                deal = trustees.deal(str(referendum.uuid), row.index, referendum.threshold, keys)
                trustee_services.trustee_deal(actor=row.user, trustee=row, deal=deal)
        return built.referendum

    open_built = make_referendum("open", voters=[voter, other], ballots=[(other, [[1]]), (other, [[0]])])
    r = {
        "draft": make_referendum("draft").referendum,
        "keys": make_referendum("keys").referendum,
        "keys_registered": keys_with("deal"),
        "keys_dealt": keys_with("confirm"),
        "ready": make_referendum("ready").referendum,
        "open": open_built.referendum,
        "open_paper": make_referendum("open", voters=[voter], paper=[voter]).referendum,
        "counting": make_referendum(
            "counting", voters=[voter, other], ballots=[(voter, [[0]])], paper=[other]
        ).referendum,
        "result": make_referendum("result", voters=[voter], ballots=[(voter, [[0]])]).referendum,
        "signed": make_referendum("result", voters=[voter], ballots=[(voter, [[1]])]).referendum,
        "published": make_referendum(
            "published", voters=[voter, other], ballots=[(voter, [[0]]), (other, [[1]])]
        ).referendum,
    }
    digest = result_services.result_digest(r["signed"])
    for signer in (referendum_people["officer"], referendum_people["admin"]):
        result_services.result_sign_off(actor=signer, referendum=r["signed"], digest=digest)
    officer, admin, trustee = referendum_people["officer"], referendum_people["admin"], referendum_people["trustees"][0]
    return {
        "referendums": r,
        "code": open_built.codes[voter.pk],  # the voter's credential code in the open referendum
        "question": r["draft"].questions.get(),
        "tracker": BoardBallot.objects.filter(referendum=r["open"]).order_by("n").first().tracker,
        "voter": (voter.email, None),
        "officer": (officer.email, _totp_secret(officer)),
        "admin": (admin.email, _totp_secret(admin)),
        "trustee": (trustee.email, _totp_secret(trustee)),
    }


def _referendum_pages(w) -> dict[str, list[str | tuple[str, int]]]:
    r = {name: referendum.pk for name, referendum in w["referendums"].items()}
    staff = "/staff/referendums"
    return {
        "visitor": [
            "/referendums/",
            *(f"/referendums/{r[name]}/" for name in ("ready", "open", "counting", "published")),
            (f"/referendums/{r['draft']}/", 404),
            f"/referendums/{r['open']}/board/",
            f"/referendums/{r['open']}/board/?tracker={w['tracker']}",
            "/referendums/{}/board/?tracker=AAAA-BBBB-CCCC-DDDD-EEEE".format(r["open"]),
            (f"/referendums/{r['open']}/board/?tracker=not-a-tracker", 400),
            f"/referendums/{r['counting']}/board/",
            f"/referendums/{r['published']}/board/",
            f"/referendums/{r['published']}/result/",
            f"/referendums/{r['published']}/?lang=ar",
            f"/referendums/{r['published']}/result/?lang=ar",
        ],
        "voter": [
            f"/referendums/{r['open']}/vote/",
            f"/referendums/{r['open']}/vote/?lang=es",
            f"/referendums/{r['open']}/vote/?lang=ar",
            f"/referendums/{r['open_paper']}/vote/",
            f"/referendums/{r['ready']}/vote/",
            f"/referendums/{r['counting']}/vote/",
        ],
        "admin": [
            f"{staff}/",
            f"{staff}/new/",
            f"{staff}/{r['draft']}/edit/",
            f"{staff}/{r['draft']}/questions/new/",
            f"{staff}/{r['draft']}/questions/{w['question'].pk}/",
            *(f"{staff}/{r[name]}/" for name in ("draft", "keys", "ready", "open", "counting", "result", "published")),
            f"{staff}/{r['draft']}/sign-off/",
            f"{staff}/{r['keys']}/sign-off/",
            f"{staff}/{r['counting']}/result/",
            f"{staff}/{r['result']}/result/",
            f"{staff}/{r['signed']}/result/",
            f"{staff}/{r['published']}/result/",
        ],
        "officer": [
            f"{staff}/{r['open']}/",
            f"{staff}/{r['open']}/counter/",
            f"{staff}/{r['ready']}/counter/",
            f"{staff}/{r['counting']}/ballot-papers/",
            f"{staff}/{r['open']}/ballot-papers/",
            f"{staff}/{r['result']}/result/",
        ],
        "trustee": [
            *(f"{staff}/{r[name]}/trustee/" for name in ("keys", "keys_registered", "keys_dealt", "ready")),
            *(f"{staff}/{r[name]}/trustee/" for name in ("counting", "published")),
        ],
    }


def _referendum_actions(w) -> dict[str, list[tuple[str, str | None, object, str]]]:
    """Referendum pages shown after a form is sent (see ``_actions``)."""
    r = {name: referendum.pk for name, referendum in w["referendums"].items()}
    staff = "/staff/referendums"
    return {
        "visitor": [],
        "voter": [],
        "admin": [
            ("new referendum with nothing entered", f"{staff}/new/", lambda p: _submit(p, "Save"), f"{staff}/new/"),
            (
                "new question with nothing entered",
                f"{staff}/{r['draft']}/questions/new/",
                lambda p: _submit(p, "Save the question"),
                f"{staff}/{r['draft']}/questions/new/",
            ),
            (
                "setup sign-off without the box ticked",
                f"{staff}/{r['keys']}/sign-off/",
                lambda p: _submit(p, "Sign off the setup"),
                f"{staff}/{r['keys']}/sign-off/",
            ),
            (
                "result sign-off without the box ticked",
                f"{staff}/{r['result']}/result/",
                lambda p: _submit(p, "Sign off the result"),
                f"{staff}/{r['result']}/result/sign-off/",
            ),
            (
                "publishing without the box ticked",
                f"{staff}/{r['signed']}/result/",
                lambda p: _submit(p, "Publish the result"),
                f"{staff}/{r['signed']}/result/publish/",
            ),
        ],
        "officer": [
            (
                "counter with nothing entered",
                f"{staff}/{r['open']}/counter/",
                lambda p: _submit(p, "Mark as voting on paper"),
                f"{staff}/{r['open']}/counter/",
            ),
            (
                "ballot paper with nothing entered",
                f"{staff}/{r['counting']}/ballot-papers/",
                lambda p: _submit(p, "Save this entry"),
                f"{staff}/{r['counting']}/ballot-papers/",
            ),
        ],
        "trustee": [
            (
                "trustee upload with nothing chosen",
                f"{staff}/{r['keys']}/trustee/",
                lambda p: _submit(p, "Upload registration.json"),
                f"{staff}/{r['keys']}/trustee/register/",
            ),
            (
                "trustee decryption that is not JSON",
                f"{staff}/{r['counting']}/trustee/",
                lambda p: _submit(p, "Upload decryption.json", {"Or paste what is in it": "not json"}),
                f"{staff}/{r['counting']}/trustee/decrypt/",
            ),
        ],
    }


def test_every_referendum_page_passes_axe(browser, live_server, referendum_world):
    w = referendum_world
    problems: dict[str, list[str]] = {}
    visited = 0
    actions = _referendum_actions(w)
    for persona, urls in _referendum_pages(w).items():
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(10_000)
        page = context.new_page()
        if persona != "visitor":
            sign_in(page, *w[persona])
        for entry in urls:
            url, expected = entry if isinstance(entry, tuple) else (entry, 200)
            response = page.goto(url)
            key = f"{persona} {url}"
            if response is None or response.status != expected:
                problems.setdefault(key, []).append(f"HTTP {response and response.status}, expected {expected}")
            problems.setdefault(key, []).extend(_violations(page))
            visited += 1
        for label, url, action, expected_path in actions[persona]:
            if url:
                page.goto(url)
            action(page)
            path = page.url.removeprefix(live_server.url)
            key = f"{persona}: {label} ({path})"
            if not path.startswith(expected_path):
                problems.setdefault(key, []).append(f"expected to be on {expected_path}")
            elif not page.locator(".govuk-error-summary").count():
                problems.setdefault(key, []).append("no error summary")
            problems.setdefault(key, []).extend(_violations(page))
            visited += 1
        context.close()
    problems = {key: found for key, found in problems.items() if found}
    assert visited > 50
    assert not problems, f"{len(problems)} of {visited} referendum pages have problems:\n" + "\n".join(
        f"{key}\n    " + "\n    ".join(found) for key, found in problems.items()
    )


def test_every_referendum_page_works_without_javascript(browser, live_server, referendum_world):
    """The referendum pages with JavaScript off: each arrives with one heading, a main landmark and
    the skip link as the first Tab stop."""
    w = referendum_world
    problems: dict[str, list[str]] = {}
    visited = 0
    for persona, urls in _referendum_pages(w).items():
        context = browser.new_context(base_url=live_server.url, locale="en-GB", java_script_enabled=False)
        context.set_default_timeout(10_000)
        page = context.new_page()
        if persona != "visitor":
            sign_in(page, *w[persona])
        for entry in urls:
            url, expected = entry if isinstance(entry, tuple) else (entry, 200)
            response = page.goto(url)
            found = problems.setdefault(f"{persona} {url}", [])
            if response is None or response.status != expected:
                found.append(f"HTTP {response and response.status}, expected {expected}")
            if page.locator("h1").count() != 1:
                found.append(f"{page.locator('h1').count()} level-one headings")
            if page.locator("main#main-content").count() != 1:
                found.append("no main#main-content")
            page.keyboard.press("Tab")
            if page.locator(":focus").get_attribute("href") != "#main-content":
                found.append("the first Tab does not reach the skip link")
            visited += 1
        context.close()
    problems = {key: found for key, found in problems.items() if found}
    assert visited > 40
    assert not problems, f"{len(problems)} of {visited} referendum pages have problems without JavaScript:\n" + (
        "\n".join(f"{key}\n    " + "\n    ".join(found) for key, found in problems.items())
    )

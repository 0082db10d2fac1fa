"""The signal convention of docs/architecture.md ("Imports"), and the site-wide hooks that left core.

* Every signal an app defines (``ecitizen.<app>.signals``, and the shared ones in
  ``ecitizen.core.signals``) has a receiver once the apps are ready: a ``receivers.py`` that its
  ``AppConfig.ready()`` forgets to import would otherwise turn the link off without an error.
* Where the sender cannot go on without the receiver (approval must issue the document; staff
  must not see a citizen's data unrecorded), the sender refuses when nobody listens and the
  change rolls back.
* The request hooks moved out of core keep their place in ``MIDDLEWARE`` and ``TEMPLATES``.
"""

from __future__ import annotations

import importlib
import pkgutil
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.dispatch import Signal

import ecitizen
from tests.audit_scenarios import World


def _signal_modules():
    names = [f"ecitizen.{app.name}.signals" for app in pkgutil.iter_modules(ecitizen.__path__) if app.ispkg]
    return [importlib.import_module(name) for name in names if importlib.util.find_spec(name) is not None]


def _signals():
    return [
        (f"{module.__name__}.{name}", value)
        for module in _signal_modules()
        for name, value in vars(module).items()
        if isinstance(value, Signal)
    ]


def test_the_signal_modules_are_found():
    names = {name for name, _signal in _signals()}
    assert {
        "ecitizen.core.signals.bill_paid",
        "ecitizen.accounts.signals.register_identity_verified",
        "ecitizen.agencies.signals.staff_opened_citizen",
        "ecitizen.cases.signals.application_approved",
        "ecitizen.payments.signals.refund_retry_due",
    } <= names


@pytest.mark.parametrize("name,signal", _signals(), ids=[name for name, _signal in _signals()])
def test_every_signal_has_a_receiver(name, signal):
    assert signal.has_listeners(), f"Nothing receives {name}: import the receivers in the AppConfig.ready()"


@contextmanager
def _disconnected(signal: Signal, dispatch_uid: str, receiver):
    assert signal.disconnect(dispatch_uid=dispatch_uid)
    try:
        yield
    finally:
        signal.connect(receiver, dispatch_uid=dispatch_uid)


@pytest.mark.django_db
def test_an_approval_that_issues_no_document_approves_nothing(request):
    from ecitizen.cases import services
    from ecitizen.cases.signals import application_approved
    from ecitizen.core.models import AuditAction, AuditLog
    from ecitizen.documents.models import IssuedDocument
    from ecitizen.documents.receivers import issue_on_approval

    w = World(request)
    application = w.submitted()
    with _disconnected(application_approved, "documents.issue_on_approval", issue_on_approval):
        with pytest.raises(ImproperlyConfigured):
            services.case_approve(actor=w.caseworker_a, application=application, expected_version=application.version)

    application.refresh_from_db()
    assert application.status == "submitted"
    assert not IssuedDocument.objects.exists()
    assert not AuditLog.objects.filter(action=AuditAction.CASE_APPROVED).exists()


@pytest.mark.django_db
def test_staff_see_no_citizen_data_when_no_access_log_listens(request):
    from ecitizen.agencies.services import citizen_access_record
    from ecitizen.agencies.signals import staff_opened_citizen
    from ecitizen.privacy.models import AccessRecord
    from ecitizen.privacy.receivers import record_staff_access

    w = World(request)
    kwargs = {
        "staff": w.caseworker_a,
        "agency": w.agency_a,
        "citizen": w.citizen,
        "purpose": "Identity check",
        "subject": None,
    }
    with _disconnected(staff_opened_citizen, "privacy.record_staff_access", record_staff_access):
        with pytest.raises(ImproperlyConfigured):
            citizen_access_record(**kwargs)
    assert not AccessRecord.objects.exists()

    citizen_access_record(**kwargs)
    assert AccessRecord.objects.get().staff == w.caseworker_a


def test_the_moved_request_hooks_keep_their_place():
    middleware = settings.MIDDLEWARE
    language = middleware.index("ecitizen.accounts.middleware.UserLanguageMiddleware")
    # After the cookie-or-header choice, which it overrides, and after the user is known.
    assert middleware.index("django.middleware.locale.LocaleMiddleware") < language
    assert middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") < language
    # Last: it needs the user, messages and allauth's account middleware.
    assert middleware[-1] == "ecitizen.agencies.middleware.StaffMFARequiredMiddleware"
    processors = settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
    assert {
        "ecitizen.core.context_processors.platform",
        "ecitizen.agencies.context_processors.staff",
        "ecitizen.notifications.context_processors.inbox",
    } <= set(processors)
    assert not any(path.startswith("ecitizen.core.middleware.") for path in middleware[1:])


@pytest.mark.django_db
def test_the_header_still_shows_the_back_office_link_and_the_unread_count(client, caseworker_a):
    from ecitizen.notifications.services import notify

    notify(
        user=caseworker_a,
        subject_template="notifications/email/case_update_subject.txt",
        body_template="notifications/email/case_update_body.txt",
        context={"reference": "X-1", "service_title": {"en": "Permit"}, "status_label": "Sent", "message": ""},
        url="/",
    )
    client.force_login(caseworker_a)
    page = client.get("/").content.decode()
    assert 'href="/staff/"' in page
    assert "1 unread message" in page

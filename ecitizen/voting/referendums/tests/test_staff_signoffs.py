"""Four eyes: the setup and the result are each signed off by two different people, one of them the
returning officer, over the digest of what they saw; a change afterwards clears the sign-offs."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.voting.referendums import counter_services, result_services, setup_services
from ecitizen.voting.referendums.models import SignOff, SignOffStage, Stage
from ecitizen.voting.referendums.setup_services import QuestionData

pytestmark = pytest.mark.django_db


def _unsigned(make_referendum, stage="ready"):
    """A referendum with its key made and no setup sign-off (stage keys)."""
    built = make_referendum(stage)
    referendum = built.referendum
    SignOff.objects.filter(referendum=referendum).delete()
    referendum.stage = Stage.KEYS
    referendum.save(update_fields=["stage"])
    return referendum


def _sign(user, referendum):
    return setup_services.setup_sign_off(
        actor=user, referendum=referendum, digest=setup_services.setup_digest(referendum)
    )


def test_two_people_one_the_returning_officer_make_it_ready(make_referendum, referendum_people, admin_a):
    referendum = _unsigned(make_referendum)
    first = _sign(referendum_people["officer"], referendum)
    assert first.as_returning_officer
    referendum.refresh_from_db()
    assert referendum.stage == Stage.KEYS
    _sign(admin_a, referendum)
    referendum.refresh_from_db()
    assert referendum.stage == Stage.READY
    rows = AuditLog.objects.filter(action=AuditAction.REF_SIGNED_OFF).order_by("pk")
    assert [r.actor for r in rows] == [referendum_people["officer"], admin_a]
    assert rows[1].extra["ready"] is True and rows[1].extra["stage"] == "setup"


def test_the_same_person_cannot_sign_twice(make_referendum, referendum_people):
    referendum = _unsigned(make_referendum)
    _sign(referendum_people["officer"], referendum)
    with pytest.raises(ValidationError, match="signed this off already"):
        _sign(referendum_people["officer"], referendum)
    assert SignOff.objects.filter(referendum=referendum).count() == 1


def test_the_returning_officer_must_be_one_of_the_two(make_referendum, admin_a, make_user, with_mfa, agency_a):
    from ecitizen.agencies.models import Membership

    other_admin = make_user("second-admin@council.example")
    Membership.objects.create(user=other_admin, agency=agency_a, role="agency_admin")
    referendum = _unsigned(make_referendum)
    _sign(admin_a, referendum)
    with pytest.raises(ValidationError, match="returning officer must be one of the two"):
        _sign(other_admin, referendum)
    referendum.refresh_from_db()
    assert referendum.stage == Stage.KEYS


def test_only_the_returning_officer_and_admins_sign(make_referendum, caseworker_a, auditor_a):
    referendum = _unsigned(make_referendum)
    for person in (caseworker_a, auditor_a):
        with pytest.raises(PermissionDenied):
            _sign(person, referendum)


def test_a_signature_over_an_old_version_is_refused(make_referendum, referendum_people):
    referendum = _unsigned(make_referendum)
    with pytest.raises(ValidationError, match="changed since you opened"):
        setup_services.setup_sign_off(actor=referendum_people["officer"], referendum=referendum, digest="0" * 64)


def test_a_change_after_sign_off_clears_it(make_referendum, referendum_people, admin_a):
    built = make_referendum("ready")
    referendum = built.referendum
    assert SignOff.objects.filter(referendum=referendum, stage=SignOffStage.SETUP).count() == 2
    question = referendum.questions.get()
    setup_services.question_save(
        actor=admin_a,
        referendum=referendum,
        question=question,
        data=QuestionData(
            text={"en": "Should the city build a bigger library?"}, options=[{"en": "Yes"}, {"en": "No"}]
        ),
    )
    referendum.refresh_from_db()
    assert referendum.stage == Stage.KEYS  # ready no more: the new text is not signed
    assert not SignOff.objects.filter(referendum=referendum, stage=SignOffStage.SETUP).exists()
    row = AuditLog.objects.filter(action=AuditAction.REF_SAVED).latest("pk")
    assert row.extra["sign_offs_cleared"] == 2 and row.extra["stage"] == "keys"
    # The person who changed it may sign the new version, with the returning officer.
    _sign(admin_a, referendum)
    _sign(referendum_people["officer"], referendum)
    referendum.refresh_from_db()
    assert referendum.stage == Stage.READY


def test_a_signature_on_an_old_result_does_not_publish(make_referendum, make_voter, referendum_people, admin_a):
    voters = [make_voter() for _ in range(2)]
    built = make_referendum("result", voters=voters, paper=[voters[1]], ballots=[(voters[0], [[0]])])
    referendum = built.referendum
    digest = result_services.result_digest(referendum)
    result_services.result_sign_off(actor=referendum_people["officer"], referendum=referendum, digest=digest)
    with pytest.raises(ValidationError, match="signed this off already"):
        result_services.result_sign_off(actor=referendum_people["officer"], referendum=referendum, digest=digest)
    result_services.result_sign_off(actor=admin_a, referendum=referendum, digest=digest)
    # A ballot paper typed in afterwards changes the result: the sign-offs go.
    for typist in (referendum_people["officer"], admin_a):
        counter_services.sheet_enter(actor=typist, referendum=referendum, sheet_number="7", choices=[[1]])
    assert result_services.result_digest(referendum) != digest
    assert not SignOff.objects.filter(referendum=referendum, stage=SignOffStage.RESULT).exists()
    with pytest.raises(ValidationError, match="must sign off this result first"):
        result_services.result_publish(actor=referendum_people["officer"], referendum=referendum)
    digest = result_services.result_digest(referendum)
    result_services.result_sign_off(actor=admin_a, referendum=referendum, digest=digest)
    result_services.result_sign_off(actor=referendum_people["officer"], referendum=referendum, digest=digest)
    published = result_services.result_publish(actor=admin_a, referendum=referendum)
    assert published.stage == Stage.PUBLISHED
    assert published.result["totals"] == [[1, 1]]


def test_the_sign_off_page_shows_what_is_signed_and_refuses_a_stale_digest(make_referendum, referendum_people):
    referendum = _unsigned(make_referendum)
    client = Client()
    client.force_login(referendum_people["officer"])
    page = client.get(reverse("referendums_staff:setup_sign_off", args=[referendum.pk]))
    html = page.content.decode()
    assert page.context["digest"] in html
    assert "Should the city build a new library?" in html
    assert "trustee1@council.example" in html
    response = client.post(
        reverse("referendums_staff:setup_sign_off", args=[referendum.pk]), {"digest": "f" * 64, "confirm": "on"}
    )
    assert response.status_code == 400
    assert "The setup has changed since you opened this page" in response.content.decode()
    response = client.post(
        reverse("referendums_staff:setup_sign_off", args=[referendum.pk]), {"digest": page.context["digest"]}
    )
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    assert not SignOff.objects.filter(referendum=referendum).exists()

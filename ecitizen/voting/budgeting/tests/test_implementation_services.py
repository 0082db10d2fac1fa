"""Building funded projects: staff start implementation, record milestones, progress and photos;
residents follow a project and are told (after commit) when a milestone is done."""

from __future__ import annotations

import datetime
import io
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.notifications.models import Notification
from ecitizen.voting.budgeting import implementation_services as impl
from ecitizen.voting.budgeting.models import Follow, Milestone, ProjectPhoto

from .results_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 40)).save(buffer, "PNG")
    return SimpleUploadedFile("work.png", buffer.getvalue(), content_type="image/png")


def test_implementation_starts_after_publishing(published, admin_two):
    process, _, _ = published
    impl.implementation_start(actor=admin_two, process=process)
    process.refresh_from_db()
    assert process.implementation_started_at is not None
    row = AuditLog.objects.get(action=AuditAction.PB_IMPLEMENTATION_STARTED)
    assert row.actor == admin_two


def test_implementation_does_not_start_before_publishing(counted, admin_two, caseworker_a):
    process, _, _ = counted
    with pytest.raises(ValidationError):
        impl.implementation_start(actor=admin_two, process=process)
    with pytest.raises(PermissionDenied):
        impl.implementation_start(actor=caseworker_a, process=process)


def test_milestones_are_saved_and_followers_told_once_done(
    implementing, caseworker_a, citizen, other_citizen, django_capture_on_commit_callbacks, mailoutbox
):
    _process, _, (library, _, _) = implementing  # greedy: the library is funded
    impl.follow_start(actor=citizen, project=library)
    impl.follow_start(actor=other_citizen, project=library)
    token = uuid.uuid4()

    with django_capture_on_commit_callbacks(execute=True):
        milestone = impl.milestone_save(
            actor=caseworker_a,
            project=library,
            title="Design agreed",
            planned_for=datetime.date(2030, 1, 1),
            create_token=token,
        )
    assert Notification.objects.count() == 0  # not done yet: nobody is told
    again = impl.milestone_save(actor=caseworker_a, project=library, title="Design agreed", create_token=token)
    assert again.pk == milestone.pk and Milestone.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        impl.milestone_save(
            actor=caseworker_a,
            project=library,
            milestone=milestone,
            title="Design agreed",
            done_on=timezone.localdate(),
            seen_updated_at=milestone.updated_at,
        )
        assert Notification.objects.count() == 0  # nothing inside the transaction
    assert len(callbacks) >= 1
    assert set(Notification.objects.values_list("user__email", flat=True)) == {citizen.email, other_citizen.email}
    assert len(mailoutbox) == 2 and "Library" in mailoutbox[0].subject
    rows = AuditLog.objects.filter(action=AuditAction.PB_MILESTONE_SAVED)
    assert rows.count() == 2 and rows.first().actor == caseworker_a

    # Saving the done milestone again tells nobody again.
    milestone.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        impl.milestone_save(
            actor=caseworker_a, project=library, milestone=milestone, title="Design agreed!", done_on=milestone.done_on
        )
    assert Notification.objects.count() == 2


def test_a_milestone_changed_meanwhile_is_not_overwritten(implementing, caseworker_a, admin_two):
    _, _, (library, _, _) = implementing
    milestone = impl.milestone_save(actor=caseworker_a, project=library, title="Dig")
    seen = milestone.updated_at
    impl.milestone_save(actor=admin_two, project=library, milestone=milestone, title="Dig the foundations")

    with pytest.raises(ValidationError):
        impl.milestone_save(
            actor=caseworker_a, project=library, milestone=milestone, title="Dig!", seen_updated_at=seen
        )
    milestone.refresh_from_db()
    assert milestone.title == "Dig the foundations"


def test_milestone_input_is_checked(implementing, caseworker_a):
    _, _, (library, _, _) = implementing
    with pytest.raises(ValidationError) as exc:
        impl.milestone_save(
            actor=caseworker_a, project=library, title=" ", done_on=timezone.localdate() + datetime.timedelta(days=2)
        )
    assert set(exc.value.message_dict) == {"title", "done_on"}
    assert not Milestone.objects.exists()


def test_only_funded_projects_in_implementation_by_agency_staff(implementing, published, citizen, caseworker_b):
    _, _, (library, _benches, _) = implementing
    with pytest.raises(PermissionDenied):
        impl.milestone_save(actor=caseworker_b, project=library, title="x")
    with pytest.raises(PermissionDenied):
        impl.milestone_save(actor=citizen, project=library, title="x")


def test_staff_do_not_record_progress_on_their_own_idea(implementing, caseworker_a):
    _, _, (library, _benches, _) = implementing
    library.author = caseworker_a
    library.save()
    with pytest.raises(PermissionDenied):
        impl.progress_save(actor=caseworker_a, project=library, progress=10, spent=5)


def test_not_funded_projects_get_no_milestones(implementing, caseworker_a):
    _, _, (_, benches, _) = implementing  # greedy did not fund the benches
    with pytest.raises(PermissionDenied):
        impl.milestone_save(actor=caseworker_a, project=benches, title="x")


def test_progress_is_saved_and_checked(implementing, caseworker_a):
    _, _, (library, _, _) = implementing
    impl.progress_save(actor=caseworker_a, project=library, progress=40, spent=25_000)
    library.refresh_from_db()
    assert (library.progress, library.spent) == (40, 25_000)
    row = AuditLog.objects.get(action=AuditAction.PB_PROGRESS_SAVED)
    assert row.extra == {"before": {"progress": 0, "spent": 0}, "after": {"progress": 40, "spent": 25_000}}
    with pytest.raises(ValidationError):
        impl.progress_save(actor=caseworker_a, project=library, progress=101, spent=-1)


def test_photos_are_stored_without_metadata(implementing, caseworker_a, settings, tmp_path):
    _, _, (library, _, _) = implementing
    milestone = impl.milestone_save(actor=caseworker_a, project=library, title="Walls")
    photo = impl.implementation_photo_add(
        actor=caseworker_a, project=library, file=_png(), alt_text="The new walls", milestone=milestone
    )
    assert photo.milestone == milestone and photo.added_by == caseworker_a
    with photo.image.open("rb") as f:
        assert Image.open(f).size == (40, 30)
    row = AuditLog.objects.get(action=AuditAction.PB_PHOTO_ADDED)
    assert row.actor == caseworker_a and row.extra["by_staff"] is True
    with pytest.raises(ValidationError):
        impl.implementation_photo_add(
            actor=caseworker_a,
            project=library,
            file=SimpleUploadedFile("x.png", b"not an image", content_type="image/png"),
            alt_text="x",
        )
    with pytest.raises(ValidationError):
        impl.implementation_photo_add(actor=caseworker_a, project=library, file=_png(), alt_text="")
    assert ProjectPhoto.objects.count() == 1


def test_follow_and_unfollow_are_idempotent(published, citizen):
    _, _, (library, benches, _) = published
    impl.follow_start(actor=citizen, project=library)
    impl.follow_start(actor=citizen, project=library)
    assert Follow.objects.count() == 1
    assert AuditLog.objects.filter(action=AuditAction.PB_FOLLOW_STARTED).count() == 1
    assert impl.follow_stop(actor=citizen, project=library) is True
    assert impl.follow_stop(actor=citizen, project=library) is False
    assert AuditLog.objects.filter(action=AuditAction.PB_FOLLOW_STOPPED).count() == 1
    with pytest.raises(PermissionDenied):
        impl.follow_start(actor=citizen, project=benches)  # not funded

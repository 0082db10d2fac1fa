"""The writes to problem reports: making, confirming, photos, status, reopening, merging, forwarding, hiding.

Each write runs in one transaction, leaves one audit row of its own action,
and saves nothing when it refuses.
"""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.reports import services
from ecitizen.reports.models import (
    Alert,
    AlertKind,
    Category,
    Report,
    ReportPhoto,
    ReportUpdate,
    Status,
    UpdateKind,
    open311_status,
)
from ecitizen.reports.tests.conftest import NOWHERE, OLD_TOWN, RING_ROAD

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825
MONDAY = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)  # no public holiday that week


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    return Path(settings.PRIVATE_MEDIA_ROOT)


@pytest.fixture
def agency_email(agency_a):
    agency_a.email = "reports@council.example"
    agency_a.save()
    return agency_a.email


def report_rows(since: int) -> list[str]:
    """Actions of the problem-report audit rows written after row *since* (notifications left out)."""
    return list(
        AuditLog.objects.filter(pk__gt=since, action__startswith="report.")
        .order_by("pk")
        .values_list("action", flat=True)
    )


def last_audit_pk() -> int:
    return AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def image_bytes(fmt: str = "JPEG", size=(20, 10), **save_args) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt, **save_args)
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[GPS_IFD] = {1: "N", 2: (52.0, 1.0, 48.0), 3: "E", 4: (0.0, 0.0, 18.0)}
    return image_bytes("JPEG", exif=exif.tobytes())


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def link_in(body: str, path_part: str) -> str:
    match = re.search(rf"https?://\S*{path_part}(\S+?)/", body)
    assert match, body
    return match.group(1)


# --- making a report ------------------------------------------------------------------------------


def test_a_signed_in_citizen_s_report_is_public_at_once_with_its_due_date(make_report, citizen, pothole, city):
    before = last_audit_pk()

    report = make_report(now=MONDAY)

    report.refresh_from_db()
    assert report.is_public
    assert report.confirmed_at == MONDAY
    assert report.created_at == MONDAY
    assert report.reporter == citizen
    assert report.reporter_email == citizen.email
    assert report.category == pothole
    assert report.agency == pothole.agency
    assert report.area == city["old_town"]
    assert report.service_code == "pothole"
    assert report.answers == {"depth": "deep"}
    assert report.status == Status.OPEN
    # five working days after Monday 2 March 2026: Monday 9 March, end of the day
    expected = timezone.make_aware(datetime.datetime(2026, 3, 9, 23, 59, 59), timezone.get_current_timezone())
    assert report.due_at == expected
    assert report_rows(before) == [AuditAction.REPORT_CREATED]
    # the reporter follows their report
    assert Alert.objects.filter(kind=AlertKind.REPORT, report=report, email=citizen.email).exists()


def test_the_due_date_skips_a_weekend(make_report, pothole):
    friday = datetime.datetime(2026, 3, 6, 16, 0, tzinfo=datetime.UTC)
    pothole.response_days = 1
    pothole.save()

    report = make_report(now=friday)

    assert timezone.localtime(report.due_at).date() == datetime.date(2026, 3, 9)


def test_an_unverified_account_s_report_waits_for_the_emailed_link(
    make_user, pothole, mailoutbox, django_capture_on_commit_callbacks
):
    unverified = make_user("new@example.org", verified_email=False)

    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_create(
            actor=unverified,
            service_code="pothole",
            latitude=OLD_TOWN[0],
            longitude=OLD_TOWN[1],
            title="Pot-hole",
            description="A pot-hole.",
            answers={"depth": "shallow"},
        )

    report.refresh_from_db()
    assert not report.is_public
    assert report.confirmed_at is None
    assert report.due_at is None
    assert [m.to for m in mailoutbox] == [["new@example.org"]]


def test_an_anonymous_report_is_public_only_after_its_email_is_confirmed(
    pothole, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_create(
            actor=AnonymousUser(),
            service_code="pothole",
            latitude=OLD_TOWN[0],
            longitude=OLD_TOWN[1],
            title="Pot-hole",
            description="A pot-hole.",
            answers={"depth": "deep"},
            name="Sam Visitor",
            email="sam@example.org",
        )
    assert not Report.objects.get(pk=report.pk).is_public
    assert [m.to for m in mailoutbox] == [["sam@example.org"]]
    token = link_in(mailoutbox[0].body, "/reports/confirm/")
    before = last_audit_pk()

    confirmed = services.report_confirm(token=token)

    assert confirmed.pk == report.pk
    confirmed.refresh_from_db()
    assert confirmed.is_public
    assert confirmed.confirmed_at is not None
    assert confirmed.due_at is not None
    assert confirmed.reporter is None
    assert confirmed.reporter_name == "Sam Visitor"
    assert report_rows(before) == [AuditAction.REPORT_CONFIRMED]
    # following the link again changes nothing
    again = last_audit_pk()
    assert services.report_confirm(token=token).pk == report.pk
    assert report_rows(again) == []


def test_an_anonymous_report_needs_an_email_address(pothole):
    with pytest.raises(ValidationError) as excinfo:
        services.report_create(
            actor=AnonymousUser(),
            service_code="pothole",
            latitude=OLD_TOWN[0],
            longitude=OLD_TOWN[1],
            title="Pot-hole",
            description="A pot-hole.",
            answers={"depth": "deep"},
        )

    assert excinfo.value.message_dict == {"email": ["Enter your email address so that we can confirm your report"]}
    assert Report.objects.count() == 0


def test_a_forged_or_misused_confirmation_token_confirms_nothing(pothole):
    report = services.report_create(
        actor=AnonymousUser(),
        service_code="pothole",
        latitude=OLD_TOWN[0],
        longitude=OLD_TOWN[1],
        title="Pot-hole",
        description="A pot-hole.",
        answers={"depth": "deep"},
        email="sam@example.org",
    )
    good = services.make_token("confirm", report.pk)
    forged = good[:-2] + ("AA" if not good.endswith("AA") else "BB")

    assert services.report_confirm(token=forged) is None
    assert services.report_confirm(token="not-a-token") is None
    assert services.report_confirm(token=services.make_token("update", report.pk)) is None  # another purpose
    assert services.report_confirm(token=services.make_token("confirm", report.pk + 1000)) is None  # no such report
    assert not Report.objects.get(pk=report.pk).is_public


def test_an_old_confirmation_link_has_expired(pothole):
    token = services.make_token("confirm", 1)
    assert services.read_token("confirm", token) == (1, "")
    assert services.read_token("confirm", token, max_age=-1) is None


@pytest.fixture
def number_question(pothole):
    pothole.questions = [
        *pothole.questions,
        {"code": "width", "label": {"en": "How wide is it in cm?"}, "datatype": "number", "required": False},
    ]
    pothole.save()
    return pothole


def _create(citizen, **overrides):
    values = {
        "actor": citizen,
        "service_code": "pothole",
        "latitude": OLD_TOWN[0],
        "longitude": OLD_TOWN[1],
        "title": "Pot-hole",
        "description": "A pot-hole.",
        "answers": {"depth": "deep"},
    }
    values.update(overrides)
    return services.report_create(**values)


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"service_code": ""}, {"category": ["Select the kind of problem"]}),
        (
            {"service_code": "volcano"},
            {"category": ["This kind of problem is not one we know: select one from the list"]},
        ),
        (
            {"latitude": NOWHERE[0], "longitude": NOWHERE[1]},
            {"location": ["This place is outside the areas that agencies on this service look after."]},
        ),
        (
            {"latitude": "north", "longitude": 0.005},
            {
                "location": [
                    "Enter the location as a latitude from -90 to 90 and a longitude from -180 to 180, "
                    "or choose it on the map"
                ]
            },
        ),
        (
            {"latitude": 95, "longitude": 0.005},
            {
                "location": [
                    "Enter the location as a latitude from -90 to 90 and a longitude from -180 to 180, "
                    "or choose it on the map"
                ]
            },
        ),
        ({"title": "  "}, {"title": ["Enter a title for the problem"]}),
        ({"title": "x" * 121}, {"title": ["The title must be 120 characters or fewer"]}),
        ({"description": ""}, {"description": ["Describe the problem"]}),
        ({"description": "x" * 4001}, {"description": ["The description must be 4000 characters or fewer"]}),
        ({"answers": {}}, {"answer_depth": ["Answer the question “How deep is it?”"]}),
        ({"answers": {"depth": "bottomless"}}, {"answer_depth": ["Choose one of the answers to “How deep is it?”"]}),
        (
            {"answers": {"depth": "deep", "width": "wide"}},
            {"answer_width": ["The answer to “How wide is it in cm?” must be a number"]},
        ),
        (
            {"answers": {"depth": "deep", "width": "nan"}},
            {"answer_width": ["The answer to “How wide is it in cm?” must be a number"]},
        ),
    ],
    ids=[
        "no-category",
        "unknown-code",
        "outside-every-area",
        "latitude-not-a-number",
        "latitude-out-of-range",
        "no-title",
        "title-too-long",
        "no-description",
        "description-too-long",
        "required-question",
        "wrong-choice",
        "not-a-number",
        "nan",
    ],
)
def test_bad_reports_are_refused_with_a_message_and_nothing_saved(
    citizen, number_question, overrides, errors, private_root
):
    photo = services.photo_store(actor=citizen, file=SimpleUploadedFile("p.jpg", image_bytes()))
    before = (Report.objects.count(), ReportPhoto.objects.filter(report__isnull=False).count(), last_audit_pk())

    with pytest.raises(ValidationError) as excinfo:
        _create(citizen, photos=[photo], **overrides)

    assert excinfo.value.message_dict == errors
    assert Report.objects.count() == before[0] == 0
    assert ReportPhoto.objects.filter(report__isnull=False).count() == before[1] == 0
    assert last_audit_pk() == before[2]
    photo.refresh_from_db()
    assert photo.report is None


def test_several_mistakes_are_reported_together(citizen, pothole):
    with pytest.raises(ValidationError) as excinfo:
        _create(citizen, title="", description="", answers={})

    assert set(excinfo.value.message_dict) == {"title", "description", "answer_depth"}


def test_a_place_nobody_on_the_platform_serves_names_who_is_responsible(citizen, pothole, common):
    from ecitizen.reports.tests.conftest import COMMON

    with pytest.raises(ValidationError) as excinfo:
        _create(citizen, latitude=COMMON[0], longitude=COMMON[1])

    assert "Commons Conservators (01234 567890)" in excinfo.value.message_dict["location"][0]
    assert Report.objects.count() == 0


def test_photos_are_attached_to_the_report(citizen, pothole):
    photos = [
        services.photo_store(actor=citizen, file=SimpleUploadedFile(f"p{i}.jpg", image_bytes()), draft_key="draft-1")
        for i in range(3)
    ]

    report = _create(citizen, photos=photos)

    assert sorted(report.photos.values_list("pk", flat=True)) == sorted(p.pk for p in photos)
    assert set(report.photos.values_list("draft_key", flat=True)) == {""}


def test_more_than_three_photos_are_refused(citizen, pothole):
    photos = [services.photo_store(actor=citizen, file=SimpleUploadedFile("p.jpg", image_bytes())) for _ in range(4)]

    with pytest.raises(ValidationError) as excinfo:
        _create(citizen, photos=photos)

    assert excinfo.value.message_dict == {"photos": ["Add no more than 3 photos"]}
    assert Report.objects.count() == 0


def test_a_photo_of_another_report_is_not_taken_over(citizen, pothole):
    photo = services.photo_store(actor=citizen, file=SimpleUploadedFile("p.jpg", image_bytes()))
    first = _create(citizen, photos=[photo])

    second = _create(citizen, photos=[photo])

    assert list(first.photos.all()) == [photo]
    assert list(second.photos.all()) == []


# --- photos -------------------------------------------------------------------------------------------


def test_photo_store_strips_exif_and_gps(citizen, private_root):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the test file really has a position
    before = last_audit_pk()

    photo = services.photo_store(actor=citizen, file=SimpleUploadedFile("photo.jpg", original))

    with services.photo_open(photo) as stored:
        cleaned = stored.read()
    image = Image.open(io.BytesIO(cleaned))
    assert image.format == "JPEG"
    assert len(image.getexif()) == 0
    assert image.getexif().get_ifd(GPS_IFD) == {}
    assert b"Exif" not in cleaned
    assert b"PhoneMaker" not in cleaned
    assert (photo.width, photo.height) == (20, 10)
    assert photo.content_type == "image/jpeg"
    assert photo.size == len(cleaned)
    assert photo.uploaded_by == citizen
    assert report_rows(before) == [AuditAction.REPORT_PHOTO_UPLOADED]


def test_photo_store_judges_by_content_not_by_name(citizen):
    photo = services.photo_store(actor=AnonymousUser(), file=SimpleUploadedFile("photo.jpg", image_bytes("PNG")))

    assert photo.content_type == "image/png"
    assert photo.stored_name.endswith(".png")
    assert photo.uploaded_by is None


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n", "file_type"),
        (b"GIF89a" + b"\x00" * 40, "file_type"),
        (b"", "file_empty"),
    ],
    ids=["pdf", "gif", "empty"],
)
def test_photo_store_refuses_what_is_not_a_photo(citizen, private_root, content, code):
    before = last_audit_pk()

    with pytest.raises(ValidationError) as excinfo:
        services.photo_store(actor=citizen, file=SimpleUploadedFile("photo.jpg", content))

    assert excinfo.value.code == code
    assert ReportPhoto.objects.count() == 0
    assert stored_files(private_root) == []
    assert last_audit_pk() == before


def test_photo_store_refuses_a_file_that_is_too_large(citizen, private_root, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    big = image_bytes("PNG", size=(400, 400), compress_level=0)
    assert len(big) > 1000

    with pytest.raises(ValidationError) as excinfo:
        services.photo_store(actor=citizen, file=SimpleUploadedFile("big.png", big))

    assert excinfo.value.code == "file_too_large"
    assert ReportPhoto.objects.count() == 0
    assert stored_files(private_root) == []


# --- status -------------------------------------------------------------------------------------------


@pytest.fixture
def report(make_report):
    return make_report()


def _into_status(report, status, caseworker, make_report):
    if status == Status.DUPLICATE:
        original = make_report(title="The original")
        return services.report_merge(actor=caseworker, report=report, into=original)
    if status == Status.OPEN:
        services.report_set_status(actor=caseworker, report=report, status=Status.FIXED)
    return services.report_set_status(actor=caseworker, report=report, status=status, responsible_body="Water Company")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.OPEN, "open"),
        (Status.INVESTIGATING, "open"),
        (Status.ACTION_SCHEDULED, "open"),
        (Status.IN_PROGRESS, "open"),
        (Status.FIXED, "closed"),
        (Status.CLOSED_NOT_FIXED, "closed"),
        (Status.NOT_RESPONSIBLE, "closed"),
        (Status.DUPLICATE, "closed"),
    ],
)
def test_each_status_maps_to_open311(report, caseworker_a, make_report, status, expected):
    changed = _into_status(report, status, caseworker_a, make_report)

    changed.refresh_from_db()
    assert changed.status == status
    assert changed.open311_status == expected
    assert open311_status(status) == expected
    assert (changed.closed_at is None) == (expected == "open")


def test_every_status_is_mapped():
    assert {open311_status(s) for s in Status} == {"open", "closed"}
    assert len(Status) == 8


def test_a_status_change_tells_the_public_and_the_reporter(report, caseworker_a, citizen):
    before = last_audit_pk()

    services.report_set_status(
        actor=caseworker_a,
        report=report,
        status=Status.ACTION_SCHEDULED,
        public_note="We have scheduled a repair for next week.",
    )

    report.refresh_from_db()
    assert report.status == Status.ACTION_SCHEDULED
    update = report.updates.get(kind=UpdateKind.STATUS)
    assert update.text == "We have scheduled a repair for next week."
    assert (update.old_status, update.new_status) == (Status.OPEN, Status.ACTION_SCHEDULED)
    assert update.is_public and update.is_staff and not update.is_internal
    assert update.author_name == "City Council"
    assert report_rows(before) == [AuditAction.REPORT_STATUS_CHANGED]
    from ecitizen.notifications.models import Notification

    assert Notification.objects.filter(user=citizen).count() >= 2  # received, then the status change


def test_not_responsible_needs_who_is(report, caseworker_a):
    before = last_audit_pk()

    with pytest.raises(ValidationError) as excinfo:
        services.report_set_status(actor=caseworker_a, report=report, status=Status.NOT_RESPONSIBLE)

    assert excinfo.value.message_dict == {
        "responsible_body": ["Say who is responsible, so that the reporter can contact them"]
    }
    assert Report.objects.get(pk=report.pk).status == Status.OPEN
    assert last_audit_pk() == before

    services.report_set_status(
        actor=caseworker_a, report=report, status=Status.NOT_RESPONSIBLE, responsible_body="Water Company"
    )
    report.refresh_from_db()
    assert report.responsible_body == "Water Company"
    assert report.updates.get(kind=UpdateKind.STATUS).text == "Passed to Water Company, who are responsible for this."


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"status": "lost"}, "status"),
        ({"status": Status.DUPLICATE}, "status"),  # only a merge makes a duplicate
        ({"status": Status.OPEN}, "status"),  # unchanged without a note
        ({"status": Status.FIXED, "public_note": "x" * 3001}, "public_note"),
        ({"status": Status.NOT_RESPONSIBLE, "responsible_body": "x" * 301}, "responsible_body"),
    ],
)
def test_bad_status_changes_are_refused(report, caseworker_a, kwargs, key):
    before = (last_audit_pk(), ReportUpdate.objects.count())

    with pytest.raises(ValidationError) as excinfo:
        services.report_set_status(actor=caseworker_a, report=report, **kwargs)

    assert list(excinfo.value.message_dict) == [key]
    assert (last_audit_pk(), ReportUpdate.objects.count()) == before


def test_a_stale_status_change_is_refused(report, caseworker_a):
    seen = report.version
    services.report_set_status(actor=caseworker_a, report=report, status=Status.INVESTIGATING)

    with pytest.raises(services.StaleReport) as excinfo:
        services.report_set_status(actor=caseworker_a, report=report, status=Status.FIXED, expected_version=seen)

    assert excinfo.value.current.status == Status.INVESTIGATING


# --- reopening --------------------------------------------------------------------------------------


@pytest.fixture
def fixed(report, caseworker_a):
    return services.report_set_status(actor=caseworker_a, report=report, status=Status.FIXED, public_note="Done.")


def test_the_reporter_s_update_reopens_a_fixed_report_and_reaches_the_agency(
    fixed, citizen, agency_email, mailoutbox, django_capture_on_commit_callbacks
):
    before = last_audit_pk()

    with django_capture_on_commit_callbacks(execute=True):
        update = services.report_add_update(actor=citizen, report=fixed, text="It has opened up again.")

    fixed.refresh_from_db()
    assert fixed.status == Status.OPEN
    assert fixed.reopened_at is not None
    assert fixed.closed_at is None
    assert fixed.due_at > timezone.now()
    update.refresh_from_db()
    assert update.kind == UpdateKind.REOPENED
    assert (update.old_status, update.new_status) == (Status.FIXED, Status.OPEN)
    assert update.is_public
    # the update is recorded, then the reopening
    assert report_rows(before) == [AuditAction.REPORT_UPDATE_ADDED, AuditAction.REPORT_REOPENED]
    assert AuditLog.objects.get(pk__gt=before, action=AuditAction.REPORT_REOPENED).extra["from"] == Status.FIXED
    assert [m.to for m in mailoutbox if m.to == [agency_email]] == [[agency_email]]


def test_not_fixed_alone_reopens(fixed, citizen):
    update = services.report_add_update(actor=citizen, report=fixed, text="", not_fixed=True)

    fixed.refresh_from_db()
    assert fixed.status == Status.OPEN
    assert update.fixed_answer is False


@pytest.mark.parametrize("status", [Status.CLOSED_NOT_FIXED, Status.NOT_RESPONSIBLE])
def test_other_closed_states_reopen_too(report, caseworker_a, citizen, status):
    services.report_set_status(actor=caseworker_a, report=report, status=status, responsible_body="Water Company")

    services.report_add_update(actor=citizen, report=report, text="Still a problem.", not_fixed=True)

    assert Report.objects.get(pk=report.pk).status == Status.OPEN


def test_someone_else_s_update_does_not_reopen(fixed, other_citizen, agency_email, mailoutbox):
    before = last_audit_pk()

    update = services.report_add_update(actor=other_citizen, report=fixed, text="Looks broken to me.", not_fixed=True)

    fixed.refresh_from_db()
    assert fixed.status == Status.FIXED
    assert fixed.reopened_at is None
    assert update.kind == UpdateKind.COMMENT
    assert report_rows(before) == [AuditAction.REPORT_UPDATE_ADDED]
    assert not [m for m in mailoutbox if m.to == [agency_email]]


def test_an_update_to_an_open_report_does_not_change_its_status(report, citizen):
    services.report_add_update(actor=citizen, report=report, text="It is getting worse.")

    assert Report.objects.get(pk=report.pk).status == Status.OPEN
    assert Report.objects.get(pk=report.pk).reopened_at is None


def test_the_reporter_s_update_does_not_reopen_a_duplicate(report, citizen, caseworker_a, make_report):
    original = make_report(title="The original")
    services.report_merge(actor=caseworker_a, report=report, into=original)

    services.report_add_update(actor=citizen, report=report, text="Still there.", not_fixed=True)

    report.refresh_from_db()
    assert report.status == Status.DUPLICATE
    assert report.reopened_at is None


def test_an_anonymous_reporter_reopens_once_their_update_is_confirmed(
    pothole, caseworker_a, mailoutbox, django_capture_on_commit_callbacks
):
    report = _create(AnonymousUser(), email="sam@example.org")
    services.report_confirm(token=services.make_token("confirm", report.pk))
    services.report_set_status(actor=caseworker_a, report=report, status=Status.FIXED)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        update = services.report_add_update(
            actor=AnonymousUser(), report=report, text="Not fixed at all.", email="SAM@example.org"
        )
    assert Report.objects.get(pk=report.pk).status == Status.FIXED  # not yet: the email is unconfirmed
    assert not ReportUpdate.objects.get(pk=update.pk).is_public
    token = link_in(mailoutbox[-1].body, "/reports/updates/confirm/")

    assert services.update_confirm(token=token).pk == update.pk

    assert Report.objects.get(pk=report.pk).status == Status.OPEN
    assert ReportUpdate.objects.get(pk=update.pk).kind == UpdateKind.REOPENED


def test_an_update_needs_text_and_a_public_report(report, citizen, moderator_hides):
    with pytest.raises(ValidationError) as excinfo:
        services.report_add_update(actor=citizen, report=report, text="  ")
    assert excinfo.value.message_dict == {"text": ["Enter your update"]}

    with pytest.raises(ValidationError) as excinfo:
        services.report_add_update(actor=citizen, report=report, text="x" * 3001)
    assert excinfo.value.message_dict == {"text": ["Your update must be 3000 characters or fewer"]}

    moderator_hides(report)
    with pytest.raises(PermissionDenied):
        services.report_add_update(actor=citizen, report=report, text="Hello")
    assert ReportUpdate.objects.filter(report=report, kind=UpdateKind.COMMENT).count() == 0


# --- merging and forwarding -------------------------------------------------------------------------


def test_merge_closes_a_duplicate_and_moves_its_followers(report, make_report, caseworker_a, other_citizen):
    original = make_report(title="The original", actor=other_citizen)
    before = last_audit_pk()

    merged = services.report_merge(actor=caseworker_a, report=report, into=original, public_note="Same pot-hole.")

    merged.refresh_from_db()
    assert merged.status == Status.DUPLICATE
    assert merged.duplicate_of == original
    assert merged.closed_at is not None
    update = merged.updates.get(kind=UpdateKind.MERGED)
    assert update.text == "Same pot-hole."
    assert update.new_status == Status.DUPLICATE
    assert report_rows(before) == [AuditAction.REPORT_MERGED]
    # the duplicate's reporter now follows the original too
    assert Alert.objects.filter(kind=AlertKind.REPORT, report=original, email=report.reporter_email).exists()


def test_merge_refuses_itself_a_duplicate_or_a_hidden_report(report, make_report, caseworker_a, moderator_hides):
    with pytest.raises(ValidationError) as excinfo:
        services.report_merge(actor=caseworker_a, report=report, into=report)
    assert excinfo.value.message_dict == {"into": ["A report cannot be a duplicate of itself"]}

    original, other = make_report(title="Original"), make_report(title="Other")
    services.report_merge(actor=caseworker_a, report=other, into=original)
    with pytest.raises(ValidationError) as excinfo:
        services.report_merge(actor=caseworker_a, report=report, into=Report.objects.get(pk=other.pk))
    assert list(excinfo.value.message_dict) == ["into"]

    moderator_hides(original)
    with pytest.raises(ValidationError):
        services.report_merge(actor=caseworker_a, report=report, into=Report.objects.get(pk=original.pk))
    assert Report.objects.get(pk=report.pk).status == Status.OPEN


def test_forward_passes_the_report_to_another_agency_with_its_category(
    make_report, caseworker_a, agency_a, agency_b, pothole_b
):
    report = make_report()
    assert report.agency == agency_a
    before = last_audit_pk()

    forwarded = services.report_forward(actor=caseworker_a, report=report, agency=agency_b)

    forwarded.refresh_from_db()
    assert forwarded.agency == agency_b
    assert forwarded.category == pothole_b
    assert forwarded.service_code == "pothole"
    assert forwarded.assignee is None
    assert forwarded.updates.get(kind=UpdateKind.FORWARDED).text == "Passed from City Council to Transport Agency."
    rows = report_rows(before)
    assert rows == [AuditAction.REPORT_FORWARDED]
    assert AuditLog.objects.get(pk__gt=before, action=AuditAction.REPORT_FORWARDED).agency == agency_a


def test_forward_reopens_a_closed_report_and_restarts_its_clock(fixed, caseworker_a, agency_b, pothole_b):
    forwarded = services.report_forward(actor=caseworker_a, report=fixed, agency=agency_b, public_note="Theirs.")

    forwarded.refresh_from_db()
    assert forwarded.status == Status.OPEN
    assert forwarded.closed_at is None
    assert forwarded.due_at > timezone.now()
    assert forwarded.category == pothole_b
    # the note is the passing agency's, not the receiving one's
    assert forwarded.updates.get(kind=UpdateKind.FORWARDED).author_name == "City Council"


def test_forward_refuses_an_agency_that_does_not_deal_with_the_problem(report, caseworker_a, agency_b):
    with pytest.raises(ValidationError) as caught:
        services.report_forward(actor=caseworker_a, report=report, agency=agency_b)

    assert "does not deal with this kind of problem" in str(caught.value)
    assert Report.objects.get(pk=report.pk).agency_id != agency_b.pk


def test_a_duplicate_is_not_forwarded_and_reopening_it_drops_the_link(make_report, caseworker_a, agency_b, pothole_b):
    original, copy = make_report(), make_report(title="Same hole")
    services.report_merge(actor=caseworker_a, report=copy, into=original)

    with pytest.raises(ValidationError):
        services.report_forward(actor=caseworker_a, report=copy, agency=agency_b)
    services.report_set_status(actor=caseworker_a, report=copy, status=Status.OPEN)

    copy.refresh_from_db()
    assert copy.duplicate_of is None and copy.reopened_at is not None and copy.due_at > timezone.now()


def test_merge_needs_an_open_original_and_repoints_earlier_duplicates(make_report, caseworker_a):
    first, second, third = make_report(), make_report(title="Second"), make_report(title="Third")
    services.report_set_status(actor=caseworker_a, report=first, status=Status.FIXED)

    with pytest.raises(ValidationError):  # the original is closed
        services.report_merge(actor=caseworker_a, report=second, into=first)
    services.report_merge(actor=caseworker_a, report=third, into=second)
    with pytest.raises(ValidationError):  # already a duplicate
        services.report_merge(actor=caseworker_a, report=third, into=second)
    services.report_set_status(actor=caseworker_a, report=first, status=Status.OPEN)
    services.report_merge(actor=caseworker_a, report=second, into=first)

    third.refresh_from_db()
    assert third.duplicate_of_id == first.pk  # no chain third -> second -> first


def test_a_reporter_who_hid_their_name_stays_unnamed_when_reopening(make_report, citizen, caseworker_a):
    report = make_report(name_hidden=True)
    services.report_set_status(actor=caseworker_a, report=report, status=Status.FIXED)

    update = services.report_add_update(actor=citizen, report=report, text="Still broken.", not_fixed=True)

    update.refresh_from_db()
    assert update.kind == UpdateKind.REOPENED and update.author_name == ""


def test_forward_refuses_the_same_or_an_inactive_agency(report, caseworker_a, agency_a, agency_b):
    with pytest.raises(ValidationError):
        services.report_forward(actor=caseworker_a, report=report, agency=agency_a)
    agency_b.is_active = False
    agency_b.save()
    with pytest.raises(ValidationError):
        services.report_forward(actor=caseworker_a, report=report, agency=agency_b)
    assert Report.objects.get(pk=report.pk).agency == agency_a


def test_a_ring_road_report_goes_to_the_transport_agency(make_report, pothole_b, agency_b):
    report = make_report(latitude=RING_ROAD[0], longitude=RING_ROAD[1], answers={})

    assert report.agency == agency_b
    assert report.category == pothole_b


# --- notes, assignment, moderation ------------------------------------------------------------------


@pytest.fixture
def moderator_hides(admin_a):
    def hide(report):
        return services.report_hide(actor=admin_a, report=report, reason="Abusive words")

    return hide


def test_hide_and_unhide(report, admin_a):
    before = last_audit_pk()

    services.report_hide(actor=admin_a, report=report, reason="Abusive words")

    report.refresh_from_db()
    assert not report.is_public
    assert report.hidden_reason == "Abusive words"
    assert report_rows(before) == [AuditAction.REPORT_HIDDEN]

    middle = last_audit_pk()
    services.report_unhide(actor=admin_a, report=report)

    report.refresh_from_db()
    assert report.is_public
    assert report.hidden_reason == ""
    assert report_rows(middle) == [AuditAction.REPORT_UNHIDDEN]


def test_an_unconfirmed_report_is_not_moderated_and_never_published_by_it(pothole, admin_a):
    """Outside every staff scope until its reporter confirms it: hiding or showing it is refused."""
    report = _create(AnonymousUser(), email="sam@example.org")
    before = AuditLog.objects.count()

    with pytest.raises(PermissionDenied):
        services.report_hide(actor=admin_a, report=report, reason="Spam")
    with pytest.raises(PermissionDenied):
        services.report_unhide(actor=admin_a, report=report)

    report.refresh_from_db()
    assert not report.is_public and report.hidden_reason == ""
    assert AuditLog.objects.count() == before


def test_hiding_needs_a_reason(report, admin_a):
    with pytest.raises(ValidationError) as excinfo:
        services.report_hide(actor=admin_a, report=report, reason=" ")

    assert excinfo.value.message_dict == {"reason": ["Give the reason for hiding it"]}
    assert Report.objects.get(pk=report.pk).is_public


def test_hiding_an_update_hides_its_photo(report, other_citizen, admin_a):
    photo = services.photo_store(actor=other_citizen, file=SimpleUploadedFile("p.jpg", image_bytes()))
    update = services.report_add_update(actor=other_citizen, report=report, text="Rude words", photo=photo)
    before = last_audit_pk()

    services.update_hide(actor=admin_a, update=update, reason="Rude")

    update.refresh_from_db()
    photo.refresh_from_db()
    assert not update.is_public
    assert update.hidden_reason == "Rude"
    assert photo.update == update
    assert not photo.is_public
    assert report_rows(before) == [AuditAction.REPORT_UPDATE_HIDDEN]


def test_staff_notes_are_internal(report, caseworker_a):
    before = last_audit_pk()

    note = services.report_add_note(actor=caseworker_a, report=report, text="Needs the big van.")

    assert note.is_internal and not note.is_public
    assert note.kind == UpdateKind.NOTE
    assert report_rows(before) == [AuditAction.REPORT_NOTE_ADDED]
    with pytest.raises(ValidationError):
        services.report_add_note(actor=caseworker_a, report=report, text="")


def test_assign_to_a_member_of_the_agency_only(report, caseworker_a, caseworker_b):
    before = last_audit_pk()

    services.report_assign(actor=caseworker_a, report=report, assignee=caseworker_a)

    assert Report.objects.get(pk=report.pk).assignee == caseworker_a
    assert report_rows(before) == [AuditAction.REPORT_ASSIGNED]
    with pytest.raises(ValidationError) as excinfo:
        services.report_assign(actor=caseworker_a, report=report, assignee=caseworker_b)
    assert list(excinfo.value.message_dict) == ["assignee"]
    assert Report.objects.get(pk=report.pk).assignee == caseworker_a


# --- one audit row per write ----------------------------------------------------------------------------


def test_every_write_leaves_one_audit_row_of_its_action(
    citizen, caseworker_a, admin_a, agency_b, pothole_b, make_report
):
    def one_row(action, write):
        before = last_audit_pk()
        result = write()
        assert report_rows(before) == [action], action
        return result

    photo = one_row(
        AuditAction.REPORT_PHOTO_UPLOADED,
        lambda: services.photo_store(actor=citizen, file=SimpleUploadedFile("p.jpg", image_bytes())),
    )
    report = one_row(AuditAction.REPORT_CREATED, lambda: make_report(photos=[photo]))
    original = make_report(title="Original")
    one_row(
        AuditAction.REPORT_UPDATE_ADDED, lambda: services.report_add_update(actor=citizen, report=report, text="Hi")
    )
    one_row(
        AuditAction.REPORT_NOTE_ADDED, lambda: services.report_add_note(actor=caseworker_a, report=report, text="n")
    )
    one_row(
        AuditAction.REPORT_ASSIGNED,
        lambda: services.report_assign(actor=caseworker_a, report=report, assignee=caseworker_a),
    )
    one_row(
        AuditAction.REPORT_STATUS_CHANGED,
        lambda: services.report_set_status(actor=caseworker_a, report=report, status=Status.IN_PROGRESS),
    )
    one_row(AuditAction.REPORT_HIDDEN, lambda: services.report_hide(actor=admin_a, report=report, reason="r"))
    one_row(AuditAction.REPORT_UNHIDDEN, lambda: services.report_unhide(actor=admin_a, report=report))
    one_row(AuditAction.REPORT_MERGED, lambda: services.report_merge(actor=caseworker_a, report=report, into=original))
    one_row(
        AuditAction.REPORT_FORWARDED,
        lambda: services.report_forward(actor=caseworker_a, report=original, agency=agency_b),
    )
    update = ReportUpdate.objects.filter(report=report, kind=UpdateKind.COMMENT).get()
    one_row(AuditAction.REPORT_UPDATE_HIDDEN, lambda: services.update_hide(actor=admin_a, update=update, reason="r"))


def test_inactive_categories_cannot_be_reported(citizen, pothole):
    Category.objects.filter(pk=pothole.pk).update(is_active=False)

    with pytest.raises(ValidationError) as excinfo:
        _create(citizen)

    assert list(excinfo.value.message_dict) == ["category"]


def test_photos_of_reports_never_sent_are_purged_after_a_day(citizen, make_report):
    from django.core.management import call_command

    kept = services.photo_store(actor=citizen, file=SimpleUploadedFile("a.jpg", image_bytes()))
    make_report(photos=[kept])
    fresh = services.photo_store(actor=citizen, file=SimpleUploadedFile("b.jpg", image_bytes()))
    stale = services.photo_store(actor=citizen, file=SimpleUploadedFile("c.jpg", image_bytes()))
    ReportPhoto.objects.filter(pk__in=[kept.pk, stale.pk]).update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )

    call_command("purge_draft_photos")

    assert set(ReportPhoto.objects.values_list("pk", flat=True)) == {kept.pk, fresh.pk}


def test_large_photos_are_scaled_down_for_the_public_page(citizen):
    photo = services.photo_store(
        actor=citizen, file=SimpleUploadedFile("big.jpg", image_bytes("JPEG", size=(4000, 3000)))
    )

    assert (photo.width, photo.height) == (services.PHOTO_MAX_SIDE, 1500)
    with services.photo_open(photo) as stored:
        assert Image.open(stored).size == (services.PHOTO_MAX_SIDE, 1500)

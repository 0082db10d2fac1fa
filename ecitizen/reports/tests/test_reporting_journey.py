"""Making a report through the public pages: where, what kind, details, check, send, confirm."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from ecitizen.reports.models import Report, ReportPhoto, Status
from ecitizen.reports.report_views import DRAFT_SESSION_KEY
from ecitizen.reports.tests.conftest import COMMON, MILLBROOK, NOWHERE, OLD_TOWN

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825
NEW = reverse("reports:new")
CATEGORY = reverse("reports:new_category")
DETAILS = reverse("reports:new_details")
CHECK = reverse("reports:new_check")


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


def jpeg(size=(40, 30), **save_args) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="JPEG", **save_args)
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[GPS_IFD] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    return jpeg(exif=exif.tobytes())


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def details(**extra):
    values = {"title": "Deep pot-hole", "description": "By the bus stop on Mill Lane.", "answer_depth": "deep"}
    values.update(extra)
    return values


def to_details(client, point=OLD_TOWN, code="pothole"):
    response = client.post(NEW, {"lat": str(point[0]), "lng": str(point[1])})
    assert response.status_code == 302 and response["Location"] == CATEGORY
    response = client.post(CATEGORY, {"category": code})
    assert response.status_code == 302 and response["Location"] == DETAILS


def send(client):
    page = client.get(CHECK)
    assert page.status_code == 200
    token = page.context["form"].initial["submit_token"]
    return client.post(CHECK, {"submit_token": token})


def test_a_signed_in_citizen_reports_a_pothole_end_to_end(
    client, citizen, pothole, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(citizen)
    assert client.get(NEW).status_code == 200
    to_details(client)
    page = client.get(DETAILS)
    assert "How deep is it?" in page.content.decode()
    assert 'name="email"' not in page.content.decode()  # signed in: no need to give an email
    response = client.post(DETAILS, details(name_hidden="on", photos=[upload(jpeg())]))
    assert response.status_code == 302 and response["Location"] == CHECK
    check = client.get(CHECK).content.decode()
    assert "Deep pot-hole" in check and "5 cm or more" in check and "Pot-hole" in check

    with django_capture_on_commit_callbacks(execute=True):
        response = send(client)
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:new_sent", args=[report.pk])
    assert report.reporter == citizen and report.is_public and report.name_hidden
    assert report.answers == {"depth": "deep"} and report.status == Status.OPEN
    assert report.photos.count() == 1
    sent = client.get(response["Location"]).content.decode()
    assert "Your report has been sent to City Council" in sent and f"#{report.pk}" in sent
    assert "5 working days" in sent
    # the public page hides the name
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "A member of the public" in page and "Amina" not in page


def test_an_anonymous_report_waits_for_the_email_link(client, pothole, mailoutbox, django_capture_on_commit_callbacks):
    to_details(client)
    # no email: asked for one, nothing saved
    response = client.post(DETAILS, details())
    assert response.status_code == 400
    assert "Enter your email address so that we can confirm your report" in response.content.decode()
    response = client.post(DETAILS, details(name="Sam Reporter", email="sam@example.org"))
    assert response["Location"] == CHECK
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client)
    report = Report.objects.get()
    assert not report.is_public and report.confirmed_at is None
    sent = client.get(response["Location"]).content.decode()
    assert "Check your email" in sent and "sam@example.org" in sent
    assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 404

    link = re.search(r"https?://\S+/reports/confirm/\S+/", mailoutbox[0].body).group(0)
    path = link[link.index("/reports/") :]
    page = client.get(path)
    assert page.status_code == 200 and "Confirm my report" in page.content.decode()
    report.refresh_from_db()
    assert report.confirmed_at is None  # GET changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path)
    assert response["Location"] == reverse("reports:detail", args=[report.pk])
    report.refresh_from_db()
    assert report.is_public and report.confirmed_at is not None
    assert client.get(response["Location"]).status_code == 200


def test_a_bad_confirmation_link_is_a_clear_404(client, db):
    for method in (client.get, client.post):
        response = method(reverse("reports:confirm", args=["not-a-token"]))
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()


def test_a_point_outside_every_area_is_refused_at_the_field(client, pothole):
    response = client.post(NEW, {"lat": str(NOWHERE[0]), "lng": str(NOWHERE[1])})
    assert response.status_code == 400
    assert "outside the areas that agencies on this service look after" in response.content.decode()
    assert 'id="id_lat-error"' in response.content.decode()
    assert client.get(CATEGORY)["Location"] == NEW
    assert not Report.objects.exists()


def test_a_point_on_the_common_names_who_is_responsible(client, pothole, common):
    response = client.post(NEW, {"lat": str(COMMON[0]), "lng": str(COMMON[1])})
    assert response.status_code == 400
    assert "Contact Commons Conservators (01234 567890)" in response.content.decode()


@pytest.mark.parametrize(
    ("lat", "lng", "message"),
    [
        ("", "0.1", "Enter a latitude"),
        ("north", "0.1", "Enter the latitude as a number"),
        ("95", "0.1", "The latitude must be between -90 and 90"),
        ("52", "200", "The longitude must be between -180 and 180"),
        ("nan", "0", "Enter the latitude as a number"),
    ],
)
def test_typed_coordinates_are_checked(client, pothole, lat, lng, message):
    response = client.post(NEW, {"lat": lat, "lng": lng})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_coordinates_with_a_decimal_comma_and_a_prefill(client, pothole):
    page = client.get(NEW + "?lat=52.03&lng=0.005").content.decode()
    assert 'value="52.03"' in page and 'data-module="report-location-picker"' in page
    response = client.post(NEW, {"lat": "52,03", "lng": " 0,005 "})
    assert response["Location"] == CATEGORY


def test_missing_category(client, pothole, streetlight):
    client.post(NEW, {"lat": str(OLD_TOWN[0]), "lng": str(OLD_TOWN[1])})
    page = client.get(CATEGORY).content.decode()
    assert "Pot-hole" in page and "Street light not working" in page
    assert "Tell us how deep it is." in page and "Roads" in page  # guidance and group
    response = client.post(CATEGORY, {})
    assert response.status_code == 400 and "Select the kind of problem" in response.content.decode()
    response = client.post(CATEGORY, {"category": "unknown"})
    assert response.status_code == 400 and "Select the kind of problem" in response.content.decode()


def test_the_category_questions_are_asked_and_checked(client, streetlight):
    to_details(client, code="streetlight")
    response = client.post(DETAILS, {"title": "Dark", "description": "Out for a week", "email": "a@example.org"})
    assert response.status_code == 400
    assert "Answer the question “Which lamp-post number?”" in response.content.decode()


def test_a_description_of_4000_characters_is_accepted(client, citizen, pothole):
    client.force_login(citizen)
    to_details(client)
    response = client.post(DETAILS, details(description="x" * 4000))
    assert response.status_code == 302 and response["Location"] == CHECK
    assert send(client).status_code == 302
    assert len(Report.objects.get().description) == 4000


def test_an_over_long_description_is_refused(client, citizen, pothole):
    client.force_login(citizen)
    to_details(client)
    response = client.post(DETAILS, details(description="x" * 4001))
    assert response.status_code == 400
    assert "The description must be 4000 characters or fewer" in response.content.decode()
    assert client.get(CHECK)["Location"] == DETAILS
    assert not Report.objects.exists()


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_saved(client, citizen, pothole):
    client.force_login(citizen)
    to_details(client)
    response = client.post(DETAILS, details(photos=[upload(b"%PDF-1.7 not a photo", "doc.jpg")]))
    assert response.status_code == 400
    content = response.content.decode()
    assert 'id="id_photos-error"' in content
    assert not ReportPhoto.objects.exists() and not Report.objects.exists()


def test_a_photo_that_is_too_large_is_refused(client, citizen, pothole, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    client.force_login(citizen)
    to_details(client)
    response = client.post(DETAILS, details(photos=[upload(jpeg(size=(600, 600), quality=100))]))
    assert response.status_code == 400
    assert 'id="id_photos-error"' in response.content.decode()
    assert not ReportPhoto.objects.exists()


def test_photos_lose_their_gps_position(client, citizen, pothole):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)
    client.force_login(citizen)
    to_details(client)
    client.post(DETAILS, details(photos=[upload(original)]))
    photo = ReportPhoto.objects.get()
    response = client.get(reverse("reports:photo", args=[photo.pk]))  # the draft's own photo
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    stored = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert stored.getexif().get_ifd(GPS_IFD) == {}
    assert len(stored.getexif()) == 0


def test_draft_photos_are_seen_only_by_their_session_and_can_be_removed(client, citizen, pothole):
    from django.test import Client

    client.force_login(citizen)
    to_details(client)
    client.post(DETAILS, details(photos=[upload(jpeg()), upload(jpeg())]))
    first, second = ReportPhoto.objects.order_by("pk")
    url = reverse("reports:photo", args=[first.pk])
    assert client.get(url).status_code == 200
    assert Client().get(url).status_code == 404
    response = client.post(DETAILS, {"remove_photo": str(first.pk)})
    assert response.status_code == 302
    assert list(ReportPhoto.objects.all()) == [second]


def test_no_more_than_three_photos(client, citizen, pothole):
    client.force_login(citizen)
    to_details(client)
    response = client.post(DETAILS, details(photos=[upload(jpeg()) for _ in range(4)]))
    assert response.status_code == 400
    assert "You can add up to 3 photos" in response.content.decode()
    assert ReportPhoto.objects.count() == 3


def test_nearby_open_reports_of_the_same_kind_are_offered(client, citizen, make_report, pothole, streetlight):
    near = make_report(title="Pot-hole by the school")
    make_report(title="Far pot-hole", latitude=MILLBROOK[0], longitude=MILLBROOK[1])
    make_report(
        title="Broken lamp", service_code="streetlight", answers={"lamp_post": "12"}
    )  # same place, another kind
    client.force_login(citizen)
    to_details(client, point=(OLD_TOWN[0] + 0.0005, OLD_TOWN[1]))
    page = client.get(DETAILS).content.decode()
    assert "Is it one of these?" in page
    assert "Pot-hole by the school" in page
    assert reverse("reports:follow", args=[near.pk]) in page
    assert "Far pot-hole" not in page and "Broken lamp" not in page


def test_sending_twice_makes_one_report(client, citizen, pothole):
    client.force_login(citizen)
    to_details(client)
    client.post(DETAILS, details())
    token = client.get(CHECK).context["form"].initial["submit_token"]
    first = client.post(CHECK, {"submit_token": token})
    second = client.post(CHECK, {"submit_token": token})
    assert Report.objects.count() == 1
    assert first["Location"] == second["Location"] == reverse("reports:new_sent", args=[Report.objects.get().pk])


def test_a_send_from_a_replaced_draft_shows_the_report_it_made(client, citizen, pothole):
    """A second tab's "Send" after the draft was sent and a new one started: no second report."""
    client.force_login(citizen)
    to_details(client)
    client.post(DETAILS, details())
    token = client.get(CHECK).context["form"].initial["submit_token"]
    first = client.post(CHECK, {"submit_token": token})
    to_details(client)  # a new draft, with a new token
    client.post(DETAILS, details())
    second = client.post(CHECK, {"submit_token": token})
    assert Report.objects.count() == 1
    assert second["Location"] == first["Location"]


def test_the_sent_page_is_only_for_the_session_that_sent_it(client, citizen, pothole, make_report):
    from django.test import Client

    client.force_login(citizen)
    to_details(client)
    client.post(DETAILS, details())
    response = send(client)
    assert client.get(response["Location"]).status_code == 200
    other = Client()
    other.force_login(citizen)
    assert other.get(response["Location"]).status_code == 404


def test_a_service_error_sends_the_person_back_to_the_page_that_asks(client, citizen, pothole):
    client.force_login(citizen)
    to_details(client)
    client.post(DETAILS, details())
    # The category is withdrawn between the pages: the check page sends them back to choose again.
    pothole.is_active = False
    pothole.save()
    response = client.get(CHECK)
    assert response["Location"] == CATEGORY
    pothole.is_active = True
    pothole.save()
    # The service refuses what the form let through (the draft was tampered with): shown on the details page.
    session = client.session
    draft = session[DRAFT_SESSION_KEY]
    draft["title"] = "x" * 200
    session[DRAFT_SESSION_KEY] = draft
    session.save()
    response = send(client)
    assert response["Location"] == DETAILS + "?errors=1"
    page = client.get(response["Location"])
    assert "The title must be 120 characters or fewer" in page.content.decode()
    assert not Report.objects.exists()


def test_address_search_sets_the_location(client, pothole):
    from ecitizen.exchange.models import Address

    Address.objects.create(
        uprn="100001",
        line="12 Mill Lane, Northbridge",
        street="Mill Lane",
        number="12",
        town="Northbridge",
        postcode="NB1 2AB",
        latitude=OLD_TOWN[0],
        longitude=OLD_TOWN[1],
    )
    page = client.get(NEW, {"q": "mill lane"}).content.decode()
    assert "12 Mill Lane, Northbridge" in page and 'value="100001"' in page
    response = client.post(NEW, {"q": "mill lane", "address": "100001"})
    assert response["Location"] == CATEGORY
    draft = client.session[DRAFT_SESSION_KEY]
    assert draft["address"] == "12 Mill Lane, Northbridge" and draft["address_id"] == "100001"
    response = client.post(NEW, {"q": "mill lane", "address": "999"})
    assert response.status_code == 400 and "Select an address from the list" in response.content.decode()


def test_new_reports_are_rate_limited_per_address(client, citizen, pothole, settings):
    from django.core.cache import cache

    cache.clear()
    settings.ECITIZEN_RATE_LIMITS_ENABLED = True
    client.force_login(citizen)
    for _ in range(10):
        to_details(client)
        client.post(DETAILS, details())
        assert send(client).status_code == 302
    to_details(client)
    client.post(DETAILS, details())
    assert send(client).status_code == 429
    assert Report.objects.count() == 10
    cache.clear()


def test_change_links_come_back_to_the_check_page(client, citizen, pothole, streetlight):
    client.force_login(citizen)
    to_details(client)
    client.post(DETAILS, details())
    check = client.get(CHECK).content.decode()
    assert f'href="{CATEGORY}?change=1"' in check and f'href="{NEW}?change=1"' in check
    # moving the point a little keeps the answers and returns to the check page
    response = client.post(NEW + "?change=1", {"lat": str(OLD_TOWN[0] + 0.001), "lng": str(OLD_TOWN[1])})
    assert response["Location"] == CHECK
    # choosing another kind asks for the details again
    response = client.post(CATEGORY + "?change=1", {"category": "streetlight"})
    assert response["Location"] == DETAILS
    assert client.get(CHECK)["Location"] == DETAILS

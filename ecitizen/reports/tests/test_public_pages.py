"""The public list, map data, report page, updates and photos."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from ecitizen.reports import selectors, services
from ecitizen.reports.models import Report, ReportUpdate, Status, UpdateKind
from ecitizen.reports.tests.conftest import MILLBROOK, OLD_TOWN

pytestmark = pytest.mark.django_db

LIST = reverse("reports:list")
MAP = reverse("reports:map_json")
CITY_BOX = "-0.01,51.99,0.03,52.07"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


def jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 120, 40)).save(buffer, format="JPEG")
    return SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")


def titles(response) -> list[str]:
    return [r.title for r in response.context["page"].object_list]


@pytest.fixture
def reports(make_report, streetlight, citizen, caseworker_a, moderator_a):
    old_town = make_report(title="Old Town pot-hole")
    millbrook = make_report(title="Millbrook pot-hole", latitude=MILLBROOK[0], longitude=MILLBROOK[1])
    lamp = make_report(title="Dark lamp", service_code="streetlight", answers={"lamp_post": "7"})
    fixed = make_report(title="Fixed pot-hole")
    services.report_set_status(actor=caseworker_a, report=fixed, status=Status.FIXED, public_note="Filled in")
    hidden = make_report(title="Rude report")
    services.report_hide(actor=moderator_a, report=hidden, reason="Abusive")
    return {"old_town": old_town, "millbrook": millbrook, "lamp": lamp, "fixed": fixed, "hidden": hidden}


def test_the_list_shows_public_reports_newest_first_and_never_hidden_ones(client, reports):
    response = client.get(LIST)
    assert response.status_code == 200
    assert titles(response) == ["Fixed pot-hole", "Dark lamp", "Millbrook pot-hole", "Old Town pot-hole"]
    page = response.content.decode()
    assert "Rude report" not in page
    assert 'data-module="reports-map"' in page and f'data-reports-url="{MAP}"' in page
    assert reverse("reports:new") in page and reverse("reports:alerts") in page


def test_the_list_filters_by_category_status_area_and_date(client, reports, city):
    assert titles(client.get(LIST, {"category": "streetlight"})) == ["Dark lamp"]
    assert titles(client.get(LIST, {"status": "closed"})) == ["Fixed pot-hole"]
    assert titles(client.get(LIST, {"status": "fixed"})) == ["Fixed pot-hole"]
    assert "Fixed pot-hole" not in titles(client.get(LIST, {"status": "open"}))
    assert titles(client.get(LIST, {"area": city["millbrook"].pk})) == ["Millbrook pot-hole"]
    assert "Millbrook pot-hole" not in titles(client.get(LIST, {"area": city["old_town"].pk}))

    long_ago = timezone.now() - datetime.timedelta(days=200)
    Report.objects.filter(pk=reports["lamp"].pk).update(created_at=long_ago)
    day = timezone.localdate(long_ago).isoformat()
    assert titles(client.get(LIST, {"date_from": day, "date_to": day})) == ["Dark lamp"]
    assert "Dark lamp" not in titles(client.get(LIST, {"date_from": timezone.localdate().isoformat()}))

    response = client.get(LIST, {"category": "streetlight", "status": "open"})
    assert f'data-reports-url="{MAP}?category=streetlight&amp;status=open"' in response.content.decode()


def test_bad_filters_are_explained(client, reports):
    response = client.get(LIST, {"date_from": "2025-05-02", "date_to": "2025-05-01"})
    assert response.status_code == 400
    assert "The end date must be on or after the start date." in response.content.decode()
    response = client.get(LIST, {"status": "made-up"})
    assert response.status_code == 400


def test_map_json_answers_geojson_for_the_box(client, reports):
    response = client.get(MAP, {"bbox": CITY_BOX})
    assert response.status_code == 200
    data = response.json()
    assert data["type"] == "FeatureCollection"
    by_title = {f["properties"]["title"]: f for f in data["features"]}
    assert set(by_title) == {"Old Town pot-hole", "Millbrook pot-hole", "Dark lamp", "Fixed pot-hole"}
    feature = by_title["Fixed pot-hole"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [OLD_TOWN[1], OLD_TOWN[0]]}
    props = feature["properties"]
    assert props["status"] == "fixed" and props["status_group"] == "closed" and props["status_label"] == "Fixed"
    assert props["url"] == reverse("reports:detail", args=[reports["fixed"].pk])
    assert props["category"] == "Pot-hole" and props["id"] == reports["fixed"].pk
    assert by_title["Dark lamp"]["properties"]["status_group"] == "open"

    # a box around Millbrook only, and the filters apply
    box = f"{MILLBROOK[1] - 0.001},{MILLBROOK[0] - 0.001},{MILLBROOK[1] + 0.001},{MILLBROOK[0] + 0.001}"
    assert [f["properties"]["title"] for f in client.get(MAP, {"bbox": box}).json()["features"]] == [
        "Millbrook pot-hole"
    ]
    only_lamps = client.get(MAP, {"bbox": CITY_BOX, "category": "streetlight"}).json()["features"]
    assert [f["properties"]["title"] for f in only_lamps] == ["Dark lamp"]


def test_map_json_shows_the_last_90_days_unless_dates_are_given(client, reports):
    Report.objects.filter(pk=reports["lamp"].pk).update(created_at=timezone.now() - datetime.timedelta(days=100))
    titles_now = {f["properties"]["title"] for f in client.get(MAP, {"bbox": CITY_BOX}).json()["features"]}
    assert "Dark lamp" not in titles_now
    since = (timezone.localdate() - datetime.timedelta(days=120)).isoformat()
    titles_then = {
        f["properties"]["title"] for f in client.get(MAP, {"bbox": CITY_BOX, "date_from": since}).json()["features"]
    }
    assert "Dark lamp" in titles_then


def test_map_json_is_capped(reports):
    box = selectors.parse_bbox(CITY_BOX)
    assert len(selectors.reports_in_viewport(box, limit=2)) == 2
    assert len(selectors.reports_in_viewport(box, limit=10_000)) == 4


@pytest.mark.parametrize("bbox", ["", "1,2,3", "a,b,c,d", "0,0,200,10", "1,52,0,53", "0,95,1,96", "nan,0,1,1"])
def test_map_json_bad_bbox_is_400_with_errors(client, db, bbox):
    response = client.get(MAP, {"bbox": bbox} if bbox else {})
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] and "bbox" in body["errors"][0]


def test_the_report_page_shows_the_public_history_but_never_staff_notes(client, reports, caseworker_a, citizen):
    report = reports["fixed"]
    services.report_add_note(actor=caseworker_a, report=report, text="Secret: the contractor is late")
    services.report_assign(actor=caseworker_a, report=report, assignee=caseworker_a)
    response = client.get(reverse("reports:detail", args=[report.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Fixed pot-hole" in page and "Filled in" in page and "City Council" in page
    assert "Status changed to:" in page and "Fixed" in page
    assert "Secret" not in page and "Assigned to" not in page and "caseworker@council.example" not in page
    assert "Amina Haddad" in page  # name not hidden
    assert "5 cm or more" in page  # the extra answer, by its label
    assert reverse("reports:follow", args=[report.pk]) in page


def test_hidden_names_stay_hidden(client, make_report):
    report = make_report(name_hidden=True)
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "A member of the public" in page and "Amina" not in page and "Haddad" not in page


def test_hidden_and_unconfirmed_reports_are_404(client, reports, make_report, pothole):
    assert client.get(reverse("reports:detail", args=[reports["hidden"].pk])).status_code == 404
    anonymous = make_report(actor=None, email="x@example.org", title="Unconfirmed")
    assert client.get(reverse("reports:detail", args=[anonymous.pk])).status_code == 404
    assert client.post(reverse("reports:update", args=[anonymous.pk]), {"text": "hi"}).status_code == 404


def test_not_our_responsibility_and_duplicate_are_explained(client, reports, caseworker_a):
    services.report_set_status(
        actor=caseworker_a, report=reports["lamp"], status=Status.NOT_RESPONSIBLE, responsible_body="Power Co"
    )
    page = client.get(reverse("reports:detail", args=[reports["lamp"].pk])).content.decode()
    assert "it has been passed to Power Co" in page
    services.report_merge(actor=caseworker_a, report=reports["old_town"], into=reports["millbrook"])
    page = client.get(reverse("reports:detail", args=[reports["old_town"].pk])).content.decode()
    assert f'href="{reverse("reports:detail", args=[reports["millbrook"].pk])}"' in page
    assert f"report #{reports['millbrook'].pk}" in page


def test_the_reporter_says_it_is_not_fixed_and_it_reopens(client, reports, citizen):
    report = reports["fixed"]
    url = reverse("reports:detail", args=[report.pk])
    assert "This problem has not been fixed" not in client.get(url).content.decode()  # not for strangers
    client.force_login(citizen)
    assert "This problem has not been fixed" in client.get(url).content.decode()
    response = client.post(reverse("reports:update", args=[report.pk]), {"not_fixed": "on", "text": ""})
    assert response["Location"] == url
    report.refresh_from_db()
    assert report.status == Status.OPEN and report.reopened_at is not None
    update = ReportUpdate.objects.filter(report=report).last()
    assert update.kind == UpdateKind.REOPENED and update.fixed_answer is False
    page = client.get(url).content.decode()
    assert "opened again" in page and "The reporter says the problem has not been fixed." in page


def test_someone_else_cannot_reopen_by_posting_not_fixed(client, reports, other_citizen):
    report = reports["fixed"]
    client.force_login(other_citizen)
    response = client.post(reverse("reports:update", args=[report.pk]), {"not_fixed": "on", "text": "Still there"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.FIXED


def test_an_anonymous_update_waits_for_its_email_link(client, reports, mailoutbox, django_capture_on_commit_callbacks):
    report = reports["old_town"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:update", args=[report.pk]),
            {"text": "Now twice as deep", "name": "Pat", "email": "pat@example.org", "photo": jpeg()},
        )
    assert response.status_code == 302
    update = ReportUpdate.objects.get(text="Now twice as deep")
    assert not update.is_public
    url = reverse("reports:detail", args=[report.pk])
    assert "Now twice as deep" not in client.get(url).content.decode()
    mail = next(m for m in mailoutbox if "pat@example.org" in m.to)
    path = re.search(r"/reports/updates/confirm/\S+/", mail.body).group(0)
    assert "Confirm my update" in client.get(path).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(path)["Location"] == url
    page = client.get(url).content.decode()
    assert "Now twice as deep" in page and "Pat" in page
    photo = update.photos.get()
    assert client.get(reverse("reports:photo", args=[photo.pk])).status_code == 200
    assert client.get(reverse("reports:confirm_update", args=["forged"])).status_code == 404


def test_update_errors_are_shown_on_the_report_page(client, reports):
    url = reverse("reports:update", args=[reports["old_town"].pk])
    response = client.post(url, {"text": "", "email": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "Enter your update" in page and "Enter your email address" in page
    response = client.post(url, {"text": "x" * 3001, "email": "a@example.org"})
    assert response.status_code == 400 and "3000 characters or fewer" in response.content.decode()
    response = client.post(url, {"text": "hi", "email": "a@example.org", "photo": SimpleUploadedFile("a.jpg", b"no")})
    assert response.status_code == 400 and 'id="update_photo-error"' in response.content.decode()
    assert not ReportUpdate.objects.filter(text="hi").exists()


def test_photos_are_served_only_while_public(client, citizen, pothole, moderator_a):
    photo = services.photo_store(actor=citizen, file=jpeg(), draft_key="k1")
    report = services.report_create(
        actor=citizen,
        service_code="pothole",
        latitude=OLD_TOWN[0],
        longitude=OLD_TOWN[1],
        title="With photo",
        description="See the photo",
        answers={"depth": "deep"},
        photos=[photo],
    )
    url = reverse("reports:photo", args=[photo.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
    assert "max-age" in response["Cache-Control"]
    assert f'src="{url}"' in client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    services.report_hide(actor=moderator_a, report=report, reason="Abusive")
    assert client.get(url).status_code == 404
    assert client.get(reverse("reports:photo", args=[999_999])).status_code == 404


def test_a_draft_photo_is_not_public(client, citizen):
    photo = services.photo_store(actor=citizen, file=jpeg(), draft_key="someone-elses")
    assert client.get(reverse("reports:photo", args=[photo.pk])).status_code == 404


def test_updates_are_rate_limited_per_address(client, reports, settings):
    from django.core.cache import cache

    cache.clear()
    settings.ECITIZEN_RATE_LIMITS_ENABLED = True
    url = reverse("reports:update", args=[reports["old_town"].pk])
    statuses = [client.post(url, {"text": f"update {n}", "email": "a@example.org"}).status_code for n in range(11)]
    assert statuses[:10] == [302] * 10 and statuses[10] == 429
    assert ReportUpdate.objects.filter(text__startswith="update ").count() == 10
    cache.clear()


def test_dates_far_out_are_a_field_error_not_a_crash(client, pothole):
    for query in ({"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}):
        response = client.get("/reports/", query)
        assert response.status_code == 400
        assert "Enter a date" in response.content.decode()
        assert client.get("/reports/map.json", {"bbox": "0,52,0.06,52.04", **query}).status_code == 400

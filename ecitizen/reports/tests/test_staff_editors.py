"""Agency admins edit report categories (with extra questions) and upload the areas they serve."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.reports.models import Area, Category
from ecitizen.reports.tests.conftest import square

pytestmark = pytest.mark.django_db

STAFF = "/staff/reports/"
QUESTIONS = [
    {
        "code": "lamp_post",
        "label": {"en": "Which lamp-post number?", "es": "¿Qué farola?"},
        "datatype": "string",
        "required": True,
    },
    {
        "code": "colour",
        "label": "What colour?",
        "datatype": "singlevaluelist",
        "values": [{"key": "red", "name": {"en": "Red"}}, {"key": "blue", "name": "Blue"}],
    },
]


def _category_data(**overrides):
    data = {
        "code": "graffiti",
        "name_en": "Graffiti",
        "name_es": "Pintadas",
        "group_en": "Cleaning",
        "guidance_en": "Say whether it is offensive.",
        "keywords": "tag, spray paint",
        "response_days": "3",
        "is_active": "on",
        "questions": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin(client, admin_a):
    client.force_login(admin_a)
    return client


def test_admin_creates_a_category_with_questions(admin, agency_a):
    response = admin.post(f"{STAFF}categories/new/", _category_data(questions=json.dumps(QUESTIONS)))
    assert response.status_code == 302
    category = Category.objects.get(code="graffiti")
    assert category.agency == agency_a
    assert category.name == {"en": "Graffiti", "es": "Pintadas"}
    assert category.response_days == 3 and category.is_active
    assert category.questions[1]["label"] == {"en": "What colour?"}
    assert category.questions[1]["values"][1] == {"key": "blue", "name": {"en": "Blue"}}
    audit = AuditLog.objects.get(action=AuditAction.REPORT_CATEGORY_SAVED)
    assert audit.extra["created"] is True and audit.agency == agency_a
    assert "Graffiti" in admin.get(f"{STAFF}categories/").content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"code": "Pot Hole!"}, "Use lower-case letters"),
        ({"code": "pothole"}, "already has a category with this code"),
        ({"name_en": ""}, "Enter the name in English"),
        ({"response_days": "0"}, "Enter at least 1 working day"),
        ({"questions": "[{"}, "not valid JSON"),
        ({"questions": '{"code": "x"}'}, "must be a JSON list"),
        ({"questions": '[{"code": "Bad Code", "label": "x"}]'}, "Question 1: the code must start"),
        ({"questions": '[{"code": "a", "label": "x", "datatype": "date"}]'}, "the datatype must be one of"),
        ({"questions": '[{"code": "a", "label": {"de": "x"}}]'}, "de is not one of the languages"),
        ({"questions": '[{"code": "a", "label": {"es": "x"}}]'}, "give the label in English"),
        ({"questions": '[{"code": "a", "label": "x", "datatype": "singlevaluelist"}]'}, "needs &quot;values&quot;"),
        (
            {"questions": '[{"code": "a", "label": "x"}, {"code": "a", "label": "y"}]'},
            "Question 2: the code a is used twice",
        ),
        ({"questions": '[{"code": "a", "label": "x", "colour": 1}]'}, "unknown key colour"),
        ({"questions": '[{"code": "a", "label": "x", "required": "yes"}]'}, "required must be true or false"),
    ],
)
def test_category_editor_refuses_bad_input(admin, pothole, overrides, message):
    response = admin.post(f"{STAFF}categories/new/", _category_data(**overrides))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "govuk-error-summary" in page
    assert not Category.objects.exclude(pk=pothole.pk).exists()
    assert not AuditLog.objects.filter(action=AuditAction.REPORT_CATEGORY_SAVED).exists()


def test_admin_edits_a_category_but_not_its_code(admin, pothole):
    page = admin.get(f"{STAFF}categories/{pothole.pk}/").content.decode()
    assert "How deep is it?" in page  # the questions, as JSON
    data = _category_data(code="changed", name_en="Pot-hole or sunken road", response_days="7")
    data["questions"] = json.dumps(pothole.questions)
    assert admin.post(f"{STAFF}categories/{pothole.pk}/", data).status_code == 302
    pothole.refresh_from_db()
    assert pothole.code == "pothole" and pothole.response_days == 7
    assert pothole.name["en"] == "Pot-hole or sunken road"
    audit = AuditLog.objects.get(action=AuditAction.REPORT_CATEGORY_SAVED)
    assert "name" in audit.extra["changed"] and "response_days" in audit.extra["changed"]


def test_only_the_agencys_admins_edit_categories(client, pothole, caseworker_a, make_user, with_mfa, agency_b):
    from ecitizen.agencies.models import Membership

    client.force_login(caseworker_a)
    assert client.get(f"{STAFF}categories/").status_code == 403
    assert client.post(f"{STAFF}categories/{pothole.pk}/", _category_data()).status_code == 403
    admin_b = make_user("admin@transport.example")
    Membership.objects.create(user=admin_b, agency=agency_b, role="agency_admin")
    with_mfa(admin_b)
    client.force_login(admin_b)
    assert client.get(f"{STAFF}categories/{pothole.pk}/").status_code == 404
    assert "Pot-hole" not in client.get(f"{STAFF}categories/").content.decode()


def _upload(admin, content: bytes | str, name="areas.geojson", **data):
    """Both steps of an upload: check the file, then save what the preview page sends back."""
    if isinstance(content, str):
        content = content.encode()
    checked = admin.post(f"{STAFF}areas/new/", {"file": SimpleUploadedFile(name, content), "step": "check", **data})
    if checked.status_code != 200:
        return checked
    assert not Area.objects.exists(), "checking a file saves nothing"
    return admin.post(
        f"{STAFF}areas/new/", {**checked.context["hidden"], "geojson": checked.context["geojson"], "step": "save"}
    )


def test_upload_a_feature_collection_one_area_per_feature(admin, agency_a):
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "North"},
                "geometry": {"type": "Polygon", "coordinates": square(0, 1, 1, 2)["coordinates"][0]},
            },
            {"type": "Feature", "properties": {"name": {"en": "South", "es": "Sur"}}, "geometry": square(0, 0, 1, 1)},
        ],
    }
    response = _upload(admin, json.dumps(collection), split="on")
    assert response.status_code == 302
    north, south = Area.objects.order_by("pk")
    assert (north.name, south.name) == ({"en": "North"}, {"en": "South", "es": "Sur"})
    assert north.agency == agency_a and (north.min_lat, north.max_lat) == (1, 2)
    assert south.contains(0.5, 0.5) and not south.contains(1.5, 0.5)
    assert AuditLog.objects.filter(action=AuditAction.REPORT_AREA_SAVED).count() == 2
    assert "North" in admin.get(f"{STAFF}areas/").content.decode()


def test_upload_a_whole_file_as_one_named_area(admin):
    response = _upload(admin, json.dumps(square(0, 0, 1, 1)), name_en="Harbour", name_fr="Port")
    assert response.status_code == 302
    assert Area.objects.get().name == {"en": "Harbour", "fr": "Port"}


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        ("{not json", {"name_en": "X"}, "The file is not valid JSON."),
        (json.dumps({"type": "Point", "coordinates": [0, 0]}), {"name_en": "X"}, "Only Polygon and MultiPolygon"),
        (json.dumps(square(0, 0, 1, 1)), {}, "Enter the area&#x27;s name in English"),
        (json.dumps(square(0, 0, 1, 1)), {"split": "on"}, "Only a FeatureCollection can be split"),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [{"type": "Feature", "properties": {}, "geometry": square(0, 0, 1, 1)}],
                }
            ),
            {"split": "on"},
            "Feature 1: it needs a &quot;name&quot; property",
        ),
        (
            json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 2]]]}),
            {"name_en": "X"},
            "must end where it starts",
        ),
        (b"\xff\xfe\x00bad", {"name_en": "X"}, "UTF-8"),
    ],
)
def test_bad_area_files_are_refused_at_the_field(admin, content, extra, message):
    response = _upload(admin, content, **extra)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "govuk-file-upload--error" in page or "name_en-error" in page
    assert not Area.objects.exists()
    assert not AuditLog.objects.filter(action=AuditAction.REPORT_AREA_SAVED).exists()


def test_area_file_size_limit(admin):
    response = _upload(admin, b" " * (2 * 1024 * 1024 + 1), name_en="Big")
    assert response.status_code == 400
    assert "smaller than 2 MB" in response.content.decode()


def test_a_bad_feature_in_a_collection_saves_none(admin):
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": "Good"}, "geometry": square(0, 0, 1, 1)},
            {"type": "Feature", "properties": {"name": "Bad"}, "geometry": {"type": "Point", "coordinates": [0, 0]}},
        ],
    }
    response = _upload(admin, json.dumps(collection), split="on")
    assert response.status_code == 400
    assert "Feature 2: Only Polygon and MultiPolygon" in response.content.decode()
    assert not Area.objects.exists()


def test_deactivate_and_reactivate_an_area(admin, city):
    old_town = city["old_town"]
    assert admin.post(f"{STAFF}areas/{old_town.pk}/active/", {"active": "0"}).status_code == 302
    old_town.refresh_from_db()
    assert not old_town.is_active
    admin.post(f"{STAFF}areas/{old_town.pk}/active/", {"active": "1"})
    old_town.refresh_from_db()
    assert old_town.is_active
    assert AuditLog.objects.filter(action=AuditAction.REPORT_AREA_SAVED, subject_id=str(old_town.pk)).count() == 2


def test_areas_are_the_agencys_own(client, city, caseworker_a, caseworker_b, ring_road, make_user, with_mfa, agency_b):
    from ecitizen.agencies.models import Membership

    client.force_login(caseworker_a)
    assert client.get(f"{STAFF}areas/").status_code == 403
    admin_b = make_user("admin@transport.example")
    Membership.objects.create(user=admin_b, agency=agency_b, role="agency_admin")
    with_mfa(admin_b)
    client.force_login(admin_b)
    assert client.post(f"{STAFF}areas/{city['old_town'].pk}/active/", {"active": "0"}).status_code == 404
    assert [a.pk for a in client.get(f"{STAFF}areas/").context["areas"]] == [ring_road.pk]


def test_back_office_home_links(client, admin_a, caseworker_a):
    client.force_login(admin_a)
    page = client.get("/staff/").content.decode()
    assert "Problem reports" in page and "Report categories" in page and f"{STAFF}areas/" in page
    client.force_login(caseworker_a)
    page = client.get("/staff/").content.decode()
    assert "Problem reports" in page and "Report categories" not in page


def test_django_admin_pages_and_a_responsible_body_area(client, make_user, with_mfa, make_report, settings):
    admin_url = "/" + settings.ADMIN_URL
    make_report()
    root = make_user("root@ecitizen.example")
    root.is_staff = root.is_superuser = True
    root.save()
    with_mfa(root)
    client.force_login(root)
    for model in ("area", "category", "report", "apiclient"):
        assert client.get(f"{admin_url}reports/{model}/").status_code == 200, model
    report_pk = Category.objects.get().reports.get().pk
    assert client.get(f"{admin_url}reports/report/{report_pk}/change/").status_code == 200
    response = client.post(
        f"{admin_url}reports/area/add/",
        {
            "agency": "",
            "name": json.dumps({"en": "Northbridge Common"}),
            "responsible_name": json.dumps({"en": "Commons Conservators"}),
            "responsible_contact": "01234 567890",
            "geometry": json.dumps(square(0.0, 52.04, 0.02, 52.06)),
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    area = Area.objects.get(agency__isnull=True)
    assert area.contains(52.05, 0.01) and area.responsible_name == {"en": "Commons Conservators"}
    assert AuditLog.objects.filter(action=AuditAction.ADMIN_OBJECT_ADDED, subject_id=str(area.pk)).exists()
    response = client.post(
        f"{admin_url}reports/area/add/",
        {
            "agency": "",
            "name": json.dumps({"en": "Nobody's"}),
            "responsible_name": "{}",
            "geometry": '{"type": "Point"}',
        },
    )
    assert response.status_code == 200 and Area.objects.count() == 3

"""Agency names are translated: entered in the admin beside the default, shown in the reader's language."""

from __future__ import annotations

import pytest
from django.utils import translation

from ecitizen.agencies.models import Agency
from ecitizen.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform_admin(make_user, with_mfa):
    user = make_user("root@ecitizen.example")
    user.is_staff = user.is_superuser = True
    user.save()
    with_mfa(user)
    return user


def test_display_name_follows_the_active_language_and_falls_back_to_the_default(agency_a):
    agency_a.name_translations = {"es": "Ayuntamiento", "ar": "مجلس المدينة"}
    with translation.override("es"):
        assert agency_a.display_name == "Ayuntamiento"
    with translation.override("ar"):
        assert agency_a.display_name == "مجلس المدينة"
    with translation.override("fr"):
        assert agency_a.display_name == "City Council"  # no French name yet
    assert agency_a.display_name == "City Council"
    assert agency_a.name_in("es") == "Ayuntamiento"


def test_admin_form_saves_the_names_in_each_language_through_the_audited_service(client, platform_admin):
    client.force_login(platform_admin)
    add = client.get("/django-admin/agencies/agency/add/").content.decode()
    assert 'name="name_es"' in add and 'name="name_fr"' in add and 'name="name_ar"' in add
    response = client.post(
        "/django-admin/agencies/agency/add/",
        {
            "name": "Parks Department",
            "name_es": "Departamento de Parques",
            "name_fr": " ",
            "name_ar": "إدارة الحدائق",
            "slug": "parks",
            "code": "PK",
            "email": "",
            "is_active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agency = Agency.objects.get(code="PK")
    assert agency.name_translations == {"es": "Departamento de Parques", "ar": "إدارة الحدائق"}
    assert AuditLog.objects.filter(action=AuditAction.AGENCY_CREATED, agency=agency).exists()
    change = client.get(f"/django-admin/agencies/agency/{agency.pk}/change/").content.decode()
    assert 'value="Departamento de Parques"' in change


def test_pages_show_the_agency_name_in_the_readers_language(client, caseworker_a, agency_a):
    # given the council has a Spanish name and its caseworker reads Spanish
    agency_a.name_translations = {"es": "Ayuntamiento"}
    agency_a.save()
    caseworker_a.profile.preferred_language = "es"
    caseworker_a.profile.save()
    client.force_login(caseworker_a)
    # when she opens her queue
    body = client.get("/staff/cases/").content.decode()
    # then the agency is called by its Spanish name
    assert "Ayuntamiento" in body
    assert "City Council" not in body


def test_no_template_shows_the_untranslated_agency_name():
    """Templates show ``agency.display_name`` (a snapshot keeps ``names``), never ``agency.name``."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[3]
    offenders = []
    for path in list((root / "templates").rglob("*.*")) + list((root / "ecitizen").rglob("templates/**/*.*")):
        if path.suffix not in {".html", ".txt"}:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"(?<!snapshot\.)\bagency\.name\b(?!_)", line) and "names|" not in line:
                offenders.append(f"{path.relative_to(root)}:{number}")
    assert offenders == []

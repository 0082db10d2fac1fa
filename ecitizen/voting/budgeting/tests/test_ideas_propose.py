"""Residents propose, change and withdraw ideas while ideas are open."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from PIL import Image

from ecitizen.cases.uploads import private_storage
from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.voting.budgeting import idea_services
from ecitizen.voting.budgeting.idea_services import PhotoUpload
from ecitizen.voting.budgeting.models import Project, ProjectPhoto, ProjectStatus

from .ideas_fixtures import *  # noqa: F403
from .ideas_fixtures import IN_MILLBROOK, IN_OLD_TOWN, idea_data, jpeg, jpeg_with_gps, propose, upload

pytestmark = pytest.mark.django_db


def _budget(process, district="Old Town"):
    return next(b for b in process.budgets.all() if b.area and b.area.display_name() == district)


def test_propose_with_a_place_in_the_district(citizen, ideas_process):
    budget = _budget(ideas_process)
    # when
    project = propose(citizen, ideas_process, budget=budget, latitude=IN_OLD_TOWN[0], longitude=IN_OLD_TOWN[1])
    # then
    assert (project.status, project.author, project.budget) == (ProjectStatus.PROPOSED, citizen, budget)
    row = AuditLog.objects.get(action=AuditAction.PB_IDEA_PROPOSED)
    assert (row.actor, row.agency_id, row.subject_id) == (citizen, ideas_process.agency_id, str(project.pk))


def test_a_place_outside_the_district_is_refused(citizen, ideas_process):
    with pytest.raises(ValidationError) as caught:
        propose(
            citizen, ideas_process, budget=_budget(ideas_process), latitude=IN_MILLBROOK[0], longitude=IN_MILLBROOK[1]
        )
    assert "not in Old Town" in caught.value.message_dict["latitude"][0]
    assert not Project.objects.exists()


def test_cost_above_the_budget_is_refused(citizen, whole_process):
    with pytest.raises(ValidationError) as caught:
        propose(citizen, whole_process, estimated_cost=100_001)
    assert "estimated_cost" in caught.value.message_dict


def test_the_same_token_makes_one_idea(citizen, other_citizen, whole_process):
    token = uuid.uuid4()
    data = idea_data(whole_process.budgets.get())
    first = idea_services.idea_propose(actor=citizen, process=whole_process, data=data, create_token=token)
    again = idea_services.idea_propose(actor=citizen, process=whole_process, data=data, create_token=token)
    assert first.pk == again.pk
    assert Project.objects.count() == 1
    with pytest.raises(PermissionDenied):
        idea_services.idea_propose(actor=other_citizen, process=whole_process, data=data, create_token=token)


@pytest.mark.parametrize("phase", ["upcoming", "review", "voting"])
def test_ideas_only_while_ideas_are_open(citizen, make_process, phase):
    process = make_process(phase)
    before = Project.objects.count()
    with pytest.raises(ValidationError):
        propose(citizen, process)
    assert Project.objects.count() == before


def test_photo_is_stored_without_its_metadata(citizen, whole_process):
    project = idea_services.idea_propose(
        actor=citizen,
        process=whole_process,
        data=idea_data(whole_process.budgets.get()),
        create_token=uuid.uuid4(),
        photos=[PhotoUpload(upload(jpeg_with_gps()), "Old benches")],
    )
    photo = ProjectPhoto.objects.get(project=project)
    assert photo.alt_text == "Old benches"
    with private_storage().open(photo.image.name, "rb") as handle:
        image = Image.open(handle)
        assert not image.getexif()
    assert AuditLog.objects.filter(action=AuditAction.PB_PHOTO_ADDED).count() == 1


def test_a_refused_photo_saves_nothing(citizen, whole_process):
    with pytest.raises(ValidationError) as caught:
        idea_services.idea_propose(
            actor=citizen,
            process=whole_process,
            data=idea_data(whole_process.budgets.get()),
            create_token=uuid.uuid4(),
            photos=[PhotoUpload(upload(b"not an image", name="x.jpg"))],
        )
    assert "photo" in caught.value.message_dict
    assert not Project.objects.exists()


def test_photos_are_limited(citizen, whole_process, settings):
    settings.BUDGETING_PHOTOS_PER_IDEA = 1
    project = propose(citizen, whole_process)
    idea_services.photo_add(actor=citizen, project=project, photo=PhotoUpload(upload(jpeg())))
    with pytest.raises(ValidationError):
        idea_services.photo_add(actor=citizen, project=project, photo=PhotoUpload(upload(jpeg())))
    assert project.photos.count() == 1


def test_author_edits_and_withdraws(citizen, other_citizen, whole_process):
    project = propose(citizen, whole_process)
    with pytest.raises(PermissionDenied):
        idea_services.idea_edit(actor=other_citizen, project=project, data=idea_data(project.budget, title="Mine"))
    idea_services.idea_edit(actor=citizen, project=project, data=idea_data(project.budget, title="Better benches"))
    project.refresh_from_db()
    assert project.title == "Better benches"
    assert AuditLog.objects.get(action=AuditAction.PB_IDEA_EDITED).extra == {"changed": ["title"]}
    with pytest.raises(PermissionDenied):
        idea_services.idea_withdraw(actor=other_citizen, project=project)
    idea_services.idea_withdraw(actor=citizen, project=project)
    project.refresh_from_db()
    assert project.status == ProjectStatus.WITHDRAWN
    with pytest.raises(PermissionDenied):
        idea_services.idea_edit(actor=citizen, project=project, data=idea_data(project.budget))


# --- pages ----------------------------------------------------------------------------------


def _post(budget, **extra) -> dict:
    values = {
        "budget": str(budget.pk),
        "title": "Trees on Market Street",
        "description": "Plant ten trees.",
        "location_text": "Market Street",
        "lat": "",
        "lng": "",
        "estimated_cost": "12000",
        "create_token": str(uuid.uuid4()),
    }
    values.update(extra)
    return values


def test_propose_page_without_javascript(client, citizen, ideas_process):
    client.force_login(citizen)
    url = reverse("budgeting:idea_new", args=[ideas_process.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Old Town" in page.content.decode()
    budget = _budget(ideas_process)
    bad = client.post(url, _post(budget, lat="52.010", lng="0.005"))
    assert bad.status_code == 400
    assert "The place you chose is not in Old Town" in bad.content.decode()
    data = _post(budget, lat="52.03", lng="0.005", photo=upload(jpeg()), photo_alt="The street")
    response = client.post(url, data)
    project = Project.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("budgeting:project", args=[project.pk])
    assert (project.latitude, project.longitude) == (52.03, 0.005)
    assert project.photos.count() == 1
    # A second click sends the same form: still one idea.
    data["photo"] = upload(jpeg())
    assert client.post(url, data).status_code == 302
    assert Project.objects.count() == 1
    page = client.get(reverse("budgeting:project", args=[project.pk]))
    assert page.status_code == 200
    photo = project.photos.get()
    assert client.get(reverse("budgeting:photo", args=[photo.pk])).status_code == 200


def test_propose_needs_sign_in(client, ideas_process):
    response = client.get(reverse("budgeting:idea_new", args=[ideas_process.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_edit_and_withdraw_pages(client, citizen, whole_process):
    project = propose(citizen, whole_process)
    client.force_login(citizen)
    assert client.get(reverse("budgeting:idea_edit", args=[project.pk])).status_code == 200
    response = client.post(
        reverse("budgeting:idea_edit", args=[project.pk]),
        _post(project.budget, title="Changed title"),
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.title == "Changed title"
    assert client.get(reverse("budgeting:idea_withdraw", args=[project.pk])).status_code == 200
    assert client.post(reverse("budgeting:idea_withdraw", args=[project.pk])).status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.WITHDRAWN


def test_a_withdrawn_idea_is_seen_only_by_its_author_and_staff(
    client, mfa_client, citizen, other_citizen, caseworker_b, caseworker_a, whole_process
):
    project = propose(citizen, whole_process)
    idea_services.photo_add(actor=citizen, project=project, photo=PhotoUpload(upload(jpeg())))
    idea_services.idea_withdraw(actor=citizen, project=project)
    photo = project.photos.get()
    url = reverse("budgeting:project", args=[project.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("budgeting:photo", args=[photo.pk])).status_code == 404
    client.force_login(other_citizen)
    assert client.get(url).status_code == 404
    assert client.get(reverse("budgeting:idea_edit", args=[project.pk])).status_code == 404
    assert mfa_client(caseworker_b).get(url).status_code == 404
    assert mfa_client(caseworker_a).get(url).status_code == 200
    client.force_login(citizen)
    assert client.get(url).status_code == 200
    assert client.get(reverse("budgeting:photo", args=[photo.pk])).status_code == 200


def test_ideas_list_filters_and_sorts(client, citizen, other_citizen, ideas_process):
    old_town = propose(citizen, ideas_process, budget=_budget(ideas_process), title="Old Town idea")
    millbrook = propose(citizen, ideas_process, budget=_budget(ideas_process, "Millbrook"), title="Millbrook idea")
    idea_services.idea_support(actor=other_citizen, project=millbrook)
    url = reverse("budgeting:ideas", args=[ideas_process.pk])
    text = client.get(url).content.decode()
    assert text.index("Millbrook idea") < text.index("Old Town idea")
    text = client.get(url, {"sort": "newest"}).content.decode()
    assert text.index("Millbrook idea") < text.index("Old Town idea")
    text = client.get(url, {"budget": old_town.budget_id}).content.decode()
    assert "Old Town idea" in text and "Millbrook idea" not in text
    assert client.get(url, {"budget": "nonsense", "sort": "x", "page": "99"}).status_code == 200

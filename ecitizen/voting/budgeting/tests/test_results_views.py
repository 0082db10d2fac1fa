"""The results and implementation pages, as a browser without JavaScript uses them: plain GETs and
form POSTs, errors at the field, redirects after success, 404 outside one's agency."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.voting.budgeting.models import Follow, Milestone, Process, Tally

from .results_fixtures import *  # noqa: F403
from .test_results_pabulib import FILE

pytestmark = pytest.mark.django_db


def test_the_results_page_explains_each_project(client, published):
    process, _, _ = published
    html = client.get(reverse("budgeting:results", args=[process.pk])).content.decode()
    assert "<svg" in html and "<table" in html
    assert "style=" not in html.split("<main", 1)[-1]  # CSP: no inline styles in the page's content
    assert "Not funded: when its turn came" in html
    assert reverse("budgeting:pabulib", args=[process.pk, process.budgets.get().pk]) in html


def test_the_charts_read_right_to_left_in_arabic(client, published):
    """In Arabic the bars grow from the right and their labels are anchored at the right edge
    (anchored at the left edge, right-to-left labels were drawn outside the chart)."""
    import re

    from ecitizen.voting.budgeting.result_selectors import CHART_WIDTH

    process, _, _ = published
    url = reverse("budgeting:results", args=[process.pk])
    english = client.get(url).content.decode()
    assert re.search(r'<text x="0" ', english) and 'transform="matrix(-1' not in english
    arabic = client.get(url + "?lang=ar").content.decode()
    assert f'<text x="{CHART_WIDTH}" ' in arabic and '<text x="0" ' not in arabic
    assert f'transform="matrix(-1 0 0 1 {CHART_WIDTH} 0)"' in arabic
    bars = re.findall(r'<rect x="(\d+)" y="\d+" width="(\d+)" height="16"', arabic)
    assert bars and all(int(x) + int(w) == CHART_WIDTH for x, w in bars)


def test_the_results_page_of_equal_shares_says_who_paid(client, small_case, admin_a, admin_two):
    from ecitizen.voting.budgeting.result_services import results_count, results_publish

    process, _, _ = small_case("mes")
    results_count(actor=admin_a, process=process)
    results_publish(actor=admin_two, process=process)
    html = client.get(reverse("budgeting:results", args=[process.pk])).content.decode()
    assert "2 supporters paid" in html and "each" in html
    assert "Method of Equal Shares" in html


def test_staff_count_and_a_second_admin_publishes(mfa_client, small_case, admin_a, admin_two):
    process, _, _ = small_case()
    client = mfa_client(admin_a)
    page = client.get(reverse("budgeting_staff:results", args=[process.pk]))
    assert page.status_code == 200 and "Count the votes" in page.content.decode()

    response = client.post(reverse("budgeting_staff:results_count", args=[process.pk]))
    assert response.status_code == 302 and Tally.objects.filter(budget__process=process).exists()
    # The person who counted may not publish: a message, nothing published.
    response = client.post(reverse("budgeting_staff:results_publish", args=[process.pk]), follow=True)
    process.refresh_from_db()
    assert process.results_published_at is None
    assert "Someone other than" in response.content.decode()

    client = mfa_client(admin_two)
    client.post(reverse("budgeting_staff:results_publish", args=[process.pk]))
    process.refresh_from_db()
    assert process.results_published_by == admin_two

    client.post(reverse("budgeting_staff:implementation_start", args=[process.pk]))
    process.refresh_from_db()
    assert process.implementation_started_at is not None


def test_staff_of_another_agency_get_404(mfa_client, counted, caseworker_b):
    process, budget, _ = counted
    client = mfa_client(caseworker_b)
    assert client.get(reverse("budgeting_staff:results", args=[process.pk])).status_code == 404
    assert client.post(reverse("budgeting_staff:results_count", args=[process.pk])).status_code == 404
    assert client.get(reverse("budgeting_staff:pabulib", args=[process.pk, budget.pk])).status_code == 404


def test_staff_export_is_audited(mfa_client, counted, caseworker_a):
    process, budget, _ = counted
    response = mfa_client(caseworker_a).get(reverse("budgeting_staff:pabulib", args=[process.pk, budget.pk]))
    assert response.status_code == 200 and "selected" in response.content.decode()
    assert AuditLog.objects.filter(action=AuditAction.PB_EXPORTED, actor=caseworker_a).count() == 1


def test_import_through_the_form(mfa_client, admin_a, agency_a):
    client = mfa_client(admin_a)
    assert client.get(reverse("budgeting_staff:results_import")).status_code == 200
    bad = client.post(
        reverse("budgeting_staff:results_import"),
        {"agency": agency_a.pk, "file": SimpleUploadedFile("x.pb", b"nonsense")},
    )
    assert bad.status_code == 400 and "govuk-error-summary" in bad.content.decode()
    assert not Process.objects.exists()

    response = client.post(
        reverse("budgeting_staff:results_import"),
        {"agency": agency_a.pk, "file": SimpleUploadedFile("old.pb", FILE.encode())},
    )
    process = Process.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("budgeting_staff:results", args=[process.pk])
    assert Tally.objects.filter(budget__process=process).exists()


def test_caseworkers_cannot_import(mfa_client, caseworker_a):
    assert mfa_client(caseworker_a).get(reverse("budgeting_staff:results_import")).status_code == 404


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (200, 10, 10)).save(buffer, "PNG")
    return SimpleUploadedFile("site.png", buffer.getvalue(), content_type="image/png")


def test_staff_record_milestones_progress_and_photos(mfa_client, implementing, caseworker_a):
    process, _, (library, _, _) = implementing
    client = mfa_client(caseworker_a)
    page = reverse("budgeting_staff:project_implementation", args=[library.pk])
    assert client.get(page).status_code == 200

    new = reverse("budgeting_staff:milestone_new", args=[library.pk])
    form = client.get(new)
    assert form.status_code == 200
    token = form.context["form"].initial["create_token"]
    bad = client.post(new, {"title": "", "create_token": token})
    assert bad.status_code == 400 and "Enter a title" in bad.content.decode()
    data = {"title": "Plans", "planned_for-day": "1", "planned_for-month": "2", "planned_for-year": "2031"}
    assert client.post(new, {**data, "create_token": token}).status_code == 302
    assert client.post(new, {**data, "create_token": token}).status_code == 302  # sent twice: one milestone
    milestone = Milestone.objects.get()
    assert milestone.planned_for == datetime.date(2031, 2, 1)

    edit = reverse("budgeting_staff:milestone_edit", args=[library.pk, milestone.pk])
    today = timezone.localdate()
    done = {"title": "Plans", "done_on-day": today.day, "done_on-month": today.month, "done_on-year": today.year}
    assert client.post(edit, {**done, "seen_updated_at": milestone.updated_at.isoformat()}).status_code == 302

    bad = client.post(reverse("budgeting_staff:project_progress", args=[library.pk]), {"progress": "120", "spent": "x"})
    assert bad.status_code == 400
    client.post(reverse("budgeting_staff:project_progress", args=[library.pk]), {"progress": "30", "spent": "1000"})
    library.refresh_from_db()
    assert library.progress == 30

    response = client.post(
        reverse("budgeting_staff:project_photo_add", args=[library.pk]), {"photo": _png(), "alt_text": "The site"}
    )
    assert response.status_code == 302

    public = client.get(reverse("budgeting:implementation", args=[process.pk])).content.decode()
    assert "30% done" in public and "1 of 1" in public


def test_residents_follow_with_a_form(client, implementing, citizen):
    _, _, (library, benches, _) = implementing
    url = reverse("budgeting:follow", args=[library.pk])
    assert client.post(url).status_code == 302 and not Follow.objects.exists()  # signed out: to sign in
    client.force_login(citizen)
    assert client.post(url).status_code == 302
    assert Follow.objects.filter(user=citizen).count() == 1
    assert client.post(reverse("budgeting:follow", args=[benches.pk])).status_code == 404  # not funded
    client.post(reverse("budgeting:unfollow", args=[library.pk]))
    assert not Follow.objects.exists()


def test_the_partials_show_results_and_building(rf, implementing, citizen):
    from django.template.loader import render_to_string

    process, _, (library, benches, _) = implementing
    request = rf.get("/")
    request.user = citizen
    html = render_to_string("budgeting/_process_results.html", {"process": process, "request": request})
    assert reverse("budgeting:results", args=[process.pk]) in html
    html = render_to_string("budgeting/_project_results.html", {"project": benches, "request": request})
    assert "Not funded" in html
    html = render_to_string("budgeting/_project_implementation.html", {"project": library, "request": request})
    assert "Follow this project" in html
    assert render_to_string("budgeting/_project_implementation.html", {"project": benches}).strip() == ""

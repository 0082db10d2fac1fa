"""The pages: asking with a check step, the public request, the staff queue and actions, the log."""

from __future__ import annotations

import pytest

from ecitizen.records.foi import services
from ecitizen.records.foi.models import FoiRequest, Status
from ecitizen.records.foi.tests.conftest import at

pytestmark = pytest.mark.django_db


def test_asking_shows_similar_published_requests_before_sending(pinned, client, requester, agency_a, make_request):
    # given an answered request about the same thing
    old = make_request("Library roof repair costs", by=requester)
    client.force_login(requester)
    # when
    step_one = client.post(
        "/information-requests/ask/",
        {"agency": agency_a.pk, "title": "Costs of the library roof", "body": "All invoices.", "hide_name": "on"},
    )
    assert step_one.status_code == 302 and step_one["Location"] == "/information-requests/ask/check/"
    check = client.get("/information-requests/ask/check/")
    # then the check step lists it, and nothing is sent yet
    assert check.status_code == 200
    assert f"/information-requests/{old.pk}/" in check.content.decode()
    assert FoiRequest.objects.count() == 1
    sent = client.post("/information-requests/ask/check/")
    foi = FoiRequest.objects.exclude(pk=old.pk).get()
    assert sent["Location"] == f"/information-requests/{foi.pk}/sent/"
    assert foi.hide_name and foi.title == "Costs of the library roof"
    # sending the same draft twice (back button) makes no second request
    assert client.post("/information-requests/ask/check/").status_code == 302
    assert FoiRequest.objects.count() == 2


def test_asking_with_bad_input_shows_field_errors(client, requester):
    client.force_login(requester)
    response = client.post("/information-requests/ask/", {"agency": "999999", "title": "", "body": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Select the agency that holds the information" in page
    assert "Enter a summary of your request" in page


def test_asking_needs_an_account(client):
    response = client.get("/information-requests/ask/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_public_page_hides_a_private_name(pinned, client, make_request, other_citizen):
    shown = make_request("Shown")
    hidden = make_request("Hidden", hide_name=True)
    assert "Amina Haddad" in client.get(f"/information-requests/{shown.pk}/").content.decode()
    page = client.get(f"/information-requests/{hidden.pk}/").content.decode()
    assert "Amina Haddad" not in page
    assert "Name withheld" in page
    client.force_login(other_citizen)
    assert "Amina Haddad" not in client.get(f"/information-requests/{hidden.pk}/").content.decode()
    assert "Amina" not in client.get("/information-requests/?q=Hidden").content.decode()


@pytest.mark.parametrize("number", ["0", "99999999999", "999999999999999999999999"])
def test_out_of_range_numbers(client, caseworker_a, number):
    assert client.get(f"/information-requests/{number}/").status_code == 404
    client.force_login(caseworker_a)
    assert client.get(f"/staff/information-requests/{number}/").status_code == 404
    assert client.post(f"/staff/information-requests/{number}/answer/", {"answer": "x"}).status_code == 404


def test_staff_of_another_agency_get_404(pinned, client, make_request, caseworker_b):
    foi = make_request()
    client.force_login(caseworker_b)
    assert client.get(f"/staff/information-requests/{foi.pk}/").status_code == 404
    assert client.post(f"/staff/information-requests/{foi.pk}/answer/", {"answer": "x"}).status_code == 404
    assert "Cost of the new library roof" not in client.get("/staff/information-requests/").content.decode()
    foi.refresh_from_db()
    assert foi.status == Status.AWAITING


def test_citizens_have_no_staff_queue(client, citizen):
    client.force_login(citizen)
    assert client.get("/staff/information-requests/").status_code in (403, 404)


def test_a_staff_member_cannot_answer_their_own_request(pinned, client, make_request, caseworker_a):
    foi = make_request(by=caseworker_a)
    client.force_login(caseworker_a)
    page = client.get(f"/staff/information-requests/{foi.pk}/")
    assert page.status_code == 200
    assert "a colleague must work on it" in page.content.decode()
    assert client.post(f"/staff/information-requests/{foi.pk}/answer/", {"answer": "x"}).status_code == 403


def test_the_queue_puts_overdue_requests_first(pinned, client, make_request, caseworker_a, settings):
    settings.FOI_HOLIDAYS = []
    old = make_request("Old question")
    pinned.move_to(at("2027-01-25T10:00:00+00:00"))
    new = make_request("New question")
    pinned.move_to(at("2027-02-03T10:00:00+00:00"))
    answered = make_request("Answered question")
    services.foi_answer(actor=caseworker_a, foi=answered, answer="Done.")
    client.force_login(caseworker_a)
    page = client.get("/staff/information-requests/").content.decode()
    assert page.index("Old question") < page.index("New question") < page.index("Answered question")
    overdue = client.get("/staff/information-requests/?status=overdue").content.decode()
    assert "Old question" in overdue and "New question" not in overdue
    assert client.get("/staff/information-requests/?status=nonsense").status_code == 200
    public = client.get(f"/information-requests/{old.pk}/").content.decode()
    assert "Overdue" in public
    assert "Overdue" not in client.get(f"/information-requests/{new.pk}/").content.decode()


def test_staff_answer_through_the_page(pinned, client, make_request, caseworker_a):
    foi = make_request()
    client.force_login(caseworker_a)
    bad = client.post(f"/staff/information-requests/{foi.pk}/answer/", {"answer": ""})
    assert bad.status_code == 400 and "Enter your answer" in bad.content.decode()
    ok = client.post(f"/staff/information-requests/{foi.pk}/answer/", {"answer": "<b>120,000</b>"})
    assert ok.status_code == 302
    page = client.get(f"/information-requests/{foi.pk}/").content.decode()
    assert "&lt;b&gt;120,000&lt;/b&gt;" in page  # staff-written text is escaped


def test_refusing_through_the_page_needs_an_exemption(pinned, client, make_request, caseworker_a):
    foi = make_request()
    client.force_login(caseworker_a)
    bad = client.post(f"/staff/information-requests/{foi.pk}/refuse/", {"partly": "0", "explanation": "No."})
    assert bad.status_code == 400
    assert "Select the exemption you rely on" in bad.content.decode()
    ok = client.post(
        f"/staff/information-requests/{foi.pk}/refuse/",
        {"partly": "0", "exemption": "personal", "explanation": "It names staff."},
    )
    assert ok.status_code == 302
    foi.refresh_from_db()
    assert (foi.status, foi.exemption) == (Status.REFUSED, "personal")


def test_clarification_and_extension_through_the_pages(pinned, client, make_request, requester, caseworker_a):
    foi = make_request()
    client.force_login(caseworker_a)
    assert client.post(f"/staff/information-requests/{foi.pk}/extend/", {"reason": "Consulting."}).status_code == 302
    assert client.post(f"/staff/information-requests/{foi.pk}/extend/", {"reason": "Again."}).status_code == 403
    question = client.post(f"/staff/information-requests/{foi.pk}/clarification/", {"question": "Which roof?"})
    assert question.status_code == 302
    client.force_login(requester)
    page = client.get(f"/information-requests/{foi.pk}/").content.decode()
    assert "Which roof?" in page and "Send your clarification" in page
    assert client.post(f"/information-requests/{foi.pk}/clarify/", {"text": ""}).status_code == 400
    assert client.post(f"/information-requests/{foi.pk}/clarify/", {"text": "Mill Lane."}).status_code == 302
    foi.refresh_from_db()
    assert foi.status == Status.AWAITING


def test_review_and_regulator_text(pinned, client, make_request, requester, admin_a, caseworker_a, settings):
    settings.FOI_REGULATOR_TEXT = "Write to the Information Commissioner."
    settings.FOI_REGULATOR_URL = "https://regulator.example/complain"
    foi = services.foi_answer(actor=caseworker_a, foi=make_request(), answer="Here.")
    client.force_login(requester)
    assert client.post(f"/information-requests/{foi.pk}/review/", {"reason": "Incomplete."}).status_code == 302
    client.force_login(admin_a)
    assert (
        client.post(f"/staff/information-requests/{foi.pk}/review/", {"outcome": "upheld", "note": "It stands."})
    ).status_code == 302
    page = client.get(f"/information-requests/{foi.pk}/").content.decode()
    assert "Write to the Information Commissioner." in page
    assert "https://regulator.example/complain" in page


def test_the_disclosure_log_counts_per_agency(pinned, client, make_request, caseworker_a, agency_b, settings):
    settings.FOI_HOLIDAYS = []
    services.foi_answer(actor=caseworker_a, foi=make_request("On time"), answer="Yes.")
    late = make_request("Late")
    refused = make_request("Refused")
    make_request("To the other agency", agency=agency_b)
    pinned.move_to(at("2027-02-03T10:00:00+00:00"))
    services.foi_answer(actor=caseworker_a, foi=late, answer="Sorry.")
    services.foi_refuse(actor=caseworker_a, foi=refused, exemption="cost", explanation="Too big.", partly=False)
    from ecitizen.records.foi.selectors import disclosure_statistics

    stats = {s.agency.pk: s for s in disclosure_statistics()}
    a = stats[caseworker_a.memberships.get().agency_id]
    assert (a.total, a.answered_on_time, a.answered_late, a.refused, a.overdue) == (3, 1, 2, 1, 0)
    assert a.exemptions == [("Finding the information would cost too much", 1)]
    assert stats[agency_b.pk].overdue == 1
    page = client.get("/information-requests/disclosure-log/")
    assert page.status_code == 200
    assert "Finding the information would cost too much" in page.content.decode()


def test_the_list_filters_and_searches(pinned, client, make_request):
    make_request("Library roof")
    make_request("Bus timetable changes")
    page = client.get("/information-requests/?q=timetable").content.decode()
    assert "Bus timetable changes" in page and "Library roof" not in page
    assert client.get("/information-requests/?state=bogus").status_code == 200
    assert client.get("/information-requests/?page=99999999999999").status_code == 200


def test_sending_requests_is_rate_limited(pinned, client, requester, agency_a, settings):
    settings.ECITIZEN_RATE_LIMITS_ENABLED = True
    settings.FOI_ASK_RATE = "1/d/user"
    client.force_login(requester)
    for title in ("Library opening hours", "Library staffing levels"):
        client.post("/information-requests/ask/", {"agency": agency_a.pk, "title": title, "body": "Figures."})
        response = client.post("/information-requests/ask/check/")
    assert response.status_code == 429
    assert FoiRequest.objects.filter(requester=requester).count() == 1

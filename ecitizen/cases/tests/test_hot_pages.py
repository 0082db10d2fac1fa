"""The pages read most (the queue, the citizen's status page, list and poll): what they read,
that the work does not grow with the rows, and that they show what the templates showed."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from ecitizen.cases.models import Application, ApplicationEvent, EventKind, Status
from ecitizen.cases.tests.conftest import add_sent_applications

pytestmark = pytest.mark.django_db


TITLE = "Apply for a resident parking permit"


def _reads_whole_snapshot(sql: str) -> bool:
    """Whether *sql* selects a version's snapshot column itself (not a key read out of it)."""
    column = '"catalogue_serviceversion"."snapshot"'
    return f'{column}, "' in sql or f"{column} FROM" in sql


def _queries(client, url):
    assert client.get(url).status_code == 200  # warm up (session)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, [q["sql"] for q in captured.captured_queries]


def test_queue_reads_the_same_whatever_the_rows(client, caseworker_a, citizen, permit_version):
    client.force_login(caseworker_a)
    add_sent_applications(permit_version, citizen, 1)
    _response, one = _queries(client, "/staff/cases/")
    add_sent_applications(permit_version, citizen, 40)  # more than a page
    response, many = _queries(client, "/staff/cases/")
    assert len(many) == len(one), many
    page = response.content.decode()
    assert page.count(TITLE) >= 25  # the service's title, once a row (and in the filter)
    # The title comes out of the snapshot in the database: the snapshot itself is not read.
    assert not any(_reads_whole_snapshot(s) for s in many), many
    # The capped count reads the applications alone (the partial index), no join for the title.
    (count,) = [s for s in many if s.startswith("SELECT COUNT(*)") and "cases_application" in s]
    assert "catalogue_serviceversion" not in count and "JOIN" not in count, count


def test_queue_rows_link_to_the_case_and_show_the_status(client, caseworker_a, citizen, permit_version):
    (application,) = add_sent_applications(permit_version, citizen, 1, status=Status.INFO_REQUESTED)
    client.force_login(caseworker_a)
    page = client.get("/staff/cases/").content.decode()
    assert f'href="{reverse("cases_staff:case", args=[application.pk])}">{application.reference}</a>' in page
    assert '<strong class="govuk-tag govuk-tag--orange">More information needed</strong>' in page


@pytest.mark.parametrize(
    ("status", "colour"),
    [
        (Status.DRAFT, "grey"),
        (Status.AWAITING_PAYMENT, "blue"),
        (Status.SUBMITTED, "blue"),
        (Status.IN_REVIEW, "blue"),
        (Status.INFO_REQUESTED, "orange"),
        (Status.APPROVED, "green"),
        (Status.REFUSED, "red"),
        (Status.WITHDRAWN, "grey"),
    ],
)
def test_status_tag_markup(status, colour):
    from django.template.loader import render_to_string

    html = render_to_string("cases/_status_tag.html", {"application": Application(status=status)})
    assert html == f'<strong class="govuk-tag govuk-tag--{colour}">{status.label}</strong>\n'


@pytest.mark.parametrize("language", ["en", "es", "fr", "ar"])
def test_labels_are_djangos(language):
    """The one-lookup labels say what Django's own get_FOO_display says, translated."""
    from django.db.models import Model

    status_field = Application._meta.get_field("status")
    kind_field = ApplicationEvent._meta.get_field("kind")
    with translation.override(language):
        for value in [*Status.values, "unknown"]:
            application = Application(status=value)
            assert application.get_status_display() == Model._get_FIELD_display(application, status_field)
        for value in [*EventKind.values, "unknown"]:
            event = ApplicationEvent(kind=value)
            assert event.get_kind_display() == Model._get_FIELD_display(event, kind_field)
        assert isinstance(Application(status=Status.APPROVED).get_status_display(), str)


def test_status_page_reads_what_it_shows(client, citizen, caseworker_a, permit_version):
    (application,) = add_sent_applications(permit_version, citizen, 1)
    ApplicationEvent.objects.create(application=application, kind=EventKind.SUBMITTED, actor=caseworker_a)
    client.force_login(citizen)
    url = f"/applications/{application.pk}/"
    response, one = _queries(client, url)
    for n in range(10):
        ApplicationEvent.objects.create(application=application, kind=EventKind.IN_REVIEW, message=f"Step {n}")
    response, many = _queries(client, url)
    assert len(many) == len(one), many
    page = response.content.decode()
    assert TITLE in page and "Step 9" in page and "Application submitted" in page
    assert "Your document is ready" not in page
    (read,) = [s for s in many if 'FROM "cases_application"' in s]
    assert '"answers"' not in read and not _reads_whole_snapshot(read), read
    (events,) = [s for s in many if 'FROM "cases_applicationevent"' in s]
    assert "accounts_user" not in events, events  # who on the staff did it is not shown


def test_status_page_says_when_a_document_is_ready(client, citizen, caseworker_a, permit_version):
    from ecitizen.documents.services import document_issue

    (application,) = add_sent_applications(permit_version, citizen, 1, status=Status.APPROVED)
    client.force_login(citizen)
    assert "Your document is ready" not in client.get(f"/applications/{application.pk}/").content.decode()
    document_issue(actor=caseworker_a, application=application)
    assert "Your document is ready" in client.get(f"/applications/{application.pk}/").content.decode()


def test_a_change_of_status_shows_at_once(client, citizen, caseworker_a, permit_version):
    """No cache between a change and what the citizen's page and poll say."""
    from ecitizen.cases.services import case_request_info

    (application,) = add_sent_applications(permit_version, citizen, 1)
    client.force_login(citizen)
    poll = f"/applications/{application.pk}/status.json"
    assert client.get(poll).json() == {"status": "submitted", "label": "Submitted", "version": 1}
    assert "govuk-tag--blue" in client.get(f"/applications/{application.pk}/").content.decode()
    case_request_info(actor=caseworker_a, application=application, message="Send a bill", expected_version=1)
    assert client.get(poll).json() == {"status": "info_requested", "label": "More information needed", "version": 2}
    page = client.get(f"/applications/{application.pk}/").content.decode()
    assert '<strong class="govuk-tag govuk-tag--orange">More information needed</strong>' in page
    assert "Send a bill" in page


def test_the_poll_is_the_citizens_own(client, other_citizen, citizen, permit_version):
    (application,) = add_sent_applications(permit_version, citizen, 1)
    client.force_login(other_citizen)
    assert client.get(f"/applications/{application.pk}/status.json").status_code == 404
    assert client.get(f"/applications/{application.pk}/").status_code == 404


def test_list_reads_the_same_whatever_the_rows_and_links_each(client, citizen, permit_version):
    client.force_login(citizen)
    (draft,) = add_sent_applications(permit_version, citizen, 1, status=Status.DRAFT)
    _response, one = _queries(client, "/applications/")
    sent = add_sent_applications(permit_version, citizen, 25)  # more than a page
    response, many = _queries(client, "/applications/")
    # one page's rows are counted by reading them (no COUNT); more than a page adds the COUNT alone
    assert len(many) == len(one) + 1, many
    assert [s for s in many if s not in one and s.startswith("SELECT COUNT(*)")], many
    page = response.content.decode()
    assert page.count(TITLE) == 20
    for application in sent[-19:]:
        assert f'href="{reverse("cases:detail", args=[application.pk])}">{TITLE}</a>' in page
    page2 = client.get("/applications/", {"page": 2}).content.decode()
    assert f'href="{reverse("cases:resume", args=[draft.pk])}">{TITLE}</a>' in page2
    assert '<strong class="govuk-tag govuk-tag--grey">Draft</strong>' in page2
    (count,) = [s for s in many if s.startswith("SELECT COUNT(*)") and "cases_application" in s]
    assert "JOIN" not in count, count
    assert not any(_reads_whole_snapshot(s) for s in many), many


def test_list_titles_follow_the_language(client, citizen, permit_version):
    add_sent_applications(permit_version, citizen, 1)
    client.force_login(citizen)
    assert TITLE in client.get("/applications/").content.decode()
    page = client.get("/applications/", {"lang": "es"}, follow=True).content.decode()
    assert "Solicitar un permiso de aparcamiento" in page and TITLE not in page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="index plans are PostgreSQL's")
@pytest.mark.parametrize(
    ("filters", "looked_up"),
    [
        ({"status": Status.IN_REVIEW}, None),
        ({"status": Status.IN_REVIEW, "assignee": "me"}, "assignee_id ="),
        ({"assignee": "me"}, "assignee_id ="),
        ({"assignee": "none"}, None),
    ],
)
def test_filtered_queue_reads_an_index_in_order(caseworker_a, agency_a, citizen, permit_version, filters, looked_up):
    """A filtered queue's page and capped count read an index in the queue's order (due date,
    then id), never sorting every match: at a million cases they stop after 25 and 1,001
    entries. One person's cases are looked up in the index (app_queue_assignee_status,
    app_open_queue_assignee), not picked out of the agency's whole open queue."""
    from ecitizen.cases.selectors import QueueFilters, case_queue

    for status in (Status.SUBMITTED, Status.IN_REVIEW, Status.INFO_REQUESTED, Status.APPROVED):
        add_sent_applications(permit_version, citizen, 2, status=status)
    every_other = list(Application.objects.order_by("pk").values_list("pk", flat=True))[::2]
    Application.objects.filter(pk__in=every_other).update(assignee=caseworker_a)
    queue = case_queue(caseworker_a, agency_a, QueueFilters(**filters))
    with connection.cursor() as cursor:
        # A test table is tiny, and several indexes could serve it at a near-equal cost: make the
        # planner show the index that reads the queue in order, if one exists (a Sort, then, only
        # when none does).
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        for qs in (queue[:25], queue.values("id")[:1001]):
            sql, params = qs.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Sort" not in plan and re.search(r"Index (Only )?Scan( Backward)? using app_", plan), plan
            if looked_up:
                conditions = [line for line in plan.splitlines() if "Index Cond" in line]
                assert any(looked_up in line for line in conditions), plan


# The queue's rows as the template wrote them before case_queue_rows (the status tag aside,
# whose markup test_status_tag_markup checks): the tag must write exactly this.
QUEUE_ROWS_TEMPLATE = """{% load i18n ecitizen cases_tags %}\
{% translate "Reference" as label_reference %}{% translate "Service" as label_service %}\
{% translate "Status" as label_status %}{% translate "Assigned to" as label_assignee %}\
{% translate "Due" as label_due %}{% translate "Overdue" as label_overdue %}\
{% for application in page %}
          <tr class="govuk-table__row">
            <td class="govuk-table__cell" data-label="">
              <div class="govuk-checkboxes govuk-checkboxes--small"><div class="govuk-checkboxes__item">
                <input class="govuk-checkboxes__input" id="case-{{ application.pk }}" name="case" type="checkbox" \
value="{{ application.pk }}">
                <label class="govuk-label govuk-checkboxes__label" for="case-{{ application.pk }}">\
<span class="govuk-visually-hidden">{% blocktranslate with ref=application.reference %}Select {{ ref }}\
{% endblocktranslate %}</span></label>
              </div></div>
            </td>
            <td class="govuk-table__cell" data-label="{{ label_reference }}"><a class="govuk-link" \
href="{% url 'cases_staff:case' application.pk %}">{{ application.reference }}</a></td>
            <td class="govuk-table__cell" data-label="{{ label_service }}">{{ application.service_title|pick }}</td>
            <td class="govuk-table__cell" data-label="{{ label_status }}">{% status_tag application %}</td>
            <td class="govuk-table__cell" data-label="{{ label_assignee }}">\
{{ application.assignee.email|default:"—" }}</td>
            <td class="govuk-table__cell" data-label="{{ label_due }}">{% if application.due_date < today and \
application.is_open %}<strong class="govuk-tag govuk-tag--red">{{ label_overdue }}</strong> {% endif %}\
{{ application.due_date|display_date }}</td>
          </tr>
        {% endfor %}"""


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_queue_rows_are_the_templates(language):
    from django.template import engines

    from ecitizen.accounts.models import User
    from ecitizen.cases.templatetags.cases_tags import case_queue_rows

    today = datetime.date(2026, 3, 10)
    rows = []
    for n, (status, due, email) in enumerate(
        [
            (Status.SUBMITTED, datetime.date(2026, 3, 1), "a&b@council.example"),  # overdue
            (Status.APPROVED, datetime.date(2026, 3, 1), None),  # past due, but decided
            (Status.INFO_REQUESTED, datetime.date(2026, 3, 10), ""),  # due today
            (Status.IN_REVIEW, None, "c@council.example"),  # no due date
        ]
    ):
        application = Application(pk=40 + n, reference=f"CC-2026-<{n}>&'\"", status=status, due_date=due)
        application.service_title = {"en": "Parking <permit> & co", "fr": "Permis « stationnement »"}
        if email is not None:
            application.assignee = User(pk=7, email=email)
        rows.append(application)
    with translation.override(language):
        expected = engines["django"].from_string(QUEUE_ROWS_TEMPLATE).render({"page": rows, "today": today})
        written = case_queue_rows(rows, today, reverse("cases_staff:queue"))
    assert written == expected
    assert "&lt;1&gt;" in written and "a&amp;b@council.example" in written and "—" in written

"""Agency admins set the costs per channel and the alert rules: validated at the field, audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ecitizen.analytics import services
from ecitizen.analytics.models import AlertRule, ChannelCost
from ecitizen.analytics.tests.test_staff_fixtures import make_service, page_text
from ecitizen.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db


# --- costs -------------------------------------------------------------------------------------


def test_admin_sets_costs_in_major_units(mfa_client, admin_a, agency_a):
    client = mfa_client(admin_a)
    response = client.post(
        "/staff/analytics/costs/", {"agency": agency_a.pk, "currency": "GBP", "online": "2.50", "counter": "12"}
    )
    assert response.status_code == 302
    costs = {cost.channel: (cost.amount, cost.currency) for cost in ChannelCost.objects.filter(agency=agency_a)}
    assert costs == {"online": (250, "GBP"), "counter": (1200, "GBP")}
    rows = AuditLog.objects.filter(action=AuditAction.ANALYTICS_COST_SAVED).order_by("pk")
    assert [(row.actor_id, row.agency_id, row.extra["channel"], row.extra["amount"]) for row in rows] == [
        (admin_a.pk, agency_a.pk, "counter", 1200),
        (admin_a.pk, agency_a.pk, "online", 250),
    ]
    assert rows[0].subject_type == "analytics.channelcost"
    page = page_text(client.get(response["Location"]))
    assert "The costs per channel are saved." in page and "£2.50" in page and "£12.00" in page


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("two pounds", "Enter the amount as a number"),
        ("-1", "The amount cannot be negative."),
        ("2.505", "at most 2 decimal places"),
        ("99999999", "The amount is too large."),
    ],
)
def test_a_bad_amount_is_an_error_at_its_field(mfa_client, admin_a, agency_a, amount, message):
    response = mfa_client(admin_a).post("/staff/analytics/costs/", {"currency": "GBP", "online": amount})
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and 'href="#id_online"' in body  # the error summary points at the field
    assert not ChannelCost.objects.exists()
    assert not AuditLog.objects.filter(action=AuditAction.ANALYTICS_COST_SAVED).exists()


def test_no_amount_at_all_is_an_error(mfa_client, admin_a):
    response = mfa_client(admin_a).post("/staff/analytics/costs/", {"currency": "GBP"})
    assert response.status_code == 400
    assert "Enter the cost of at least one channel" in response.content.decode()


def test_changing_the_currency_asks_for_every_cost_again(mfa_client, admin_a, agency_a):
    services.channel_costs_save(actor=admin_a, agency=agency_a, amounts={"online": 250, "counter": 900}, currency="GBP")
    response = mfa_client(admin_a).post("/staff/analytics/costs/", {"currency": "EUR", "online": "3.00"})
    assert response.status_code == 400
    assert "Enter this channel&#x27;s cost again in EUR, or keep the currency GBP" in response.content.decode()
    assert ChannelCost.objects.get(agency=agency_a, channel="online").amount == 250


def test_an_unchanged_cost_writes_no_row(admin_a, agency_a):
    services.channel_costs_save(actor=admin_a, agency=agency_a, amounts={"online": 250}, currency="GBP")
    assert services.channel_costs_save(actor=admin_a, agency=agency_a, amounts={"online": 250}, currency="GBP") == []
    assert AuditLog.objects.filter(action=AuditAction.ANALYTICS_COST_SAVED).count() == 1


def test_the_service_checks_the_actor_and_the_values(caseworker_a, admin_a, agency_a):
    with pytest.raises(PermissionDenied):
        services.channel_costs_save(actor=caseworker_a, agency=agency_a, amounts={"online": 1}, currency="GBP")
    with pytest.raises(ValidationError):
        services.channel_costs_save(actor=admin_a, agency=agency_a, amounts={"post": 1}, currency="GBP")
    with pytest.raises(ValidationError):
        services.channel_costs_save(actor=admin_a, agency=agency_a, amounts={"online": -1}, currency="GBP")
    with pytest.raises(ValidationError):
        services.channel_costs_save(actor=admin_a, agency=agency_a, amounts={"online": 1}, currency="XYZ")
    assert not ChannelCost.objects.exists()


# --- alerts ------------------------------------------------------------------------------------


def test_admin_adds_an_alert_then_changes_its_threshold(mfa_client, admin_a, agency_a):
    service = make_service(agency_a)
    client = mfa_client(admin_a)
    response = client.post("/staff/analytics/alerts/", {"service": service.pk, "metric": "p90_days", "threshold": "15"})
    assert response.status_code == 302
    rule = AlertRule.objects.get()
    assert (rule.agency_id, rule.service_id, rule.metric, rule.threshold, rule.created_by_id) == (
        agency_a.pk,
        service.pk,
        "p90_days",
        15,
        admin_a.pk,
    )
    client.post("/staff/analytics/alerts/", {"service": service.pk, "metric": "p90_days", "threshold": "20"})
    assert AlertRule.objects.get().threshold == 20  # the same rule, a new threshold
    rows = AuditLog.objects.filter(action=AuditAction.ANALYTICS_ALERT_SAVED).order_by("pk")
    assert [(row.actor_id, row.agency_id, row.subject_id, row.extra["previous"]) for row in rows] == [
        (admin_a.pk, agency_a.pk, str(rule.pk), None),
        (admin_a.pk, agency_a.pk, str(rule.pk), 15),
    ]
    page = page_text(client.get("/staff/analytics/alerts/"))
    assert "90th percentile decision time" in page and "Not checked yet" in page


def test_a_whole_agency_alert_is_not_doubled(admin_a, agency_a):
    services.alert_rule_save(actor=admin_a, agency=agency_a, service=None, metric="backlog", threshold=5)
    services.alert_rule_save(actor=admin_a, agency=agency_a, service=None, metric="backlog", threshold=8)
    assert list(AlertRule.objects.values_list("service", "threshold")) == [(None, 8)]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"metric": "backlog", "threshold": "many"}, "threshold", "Enter a whole number, like 20"),
        ({"metric": "backlog", "threshold": "-3"}, "threshold", "Enter a number of 0 or more"),
        ({"metric": "speed", "threshold": "3"}, "metric", "Choose the figure to watch"),
        ({"metric": "backlog", "threshold": "3", "service": "999999"}, "service", "Choose one of your agency"),
    ],
)
def test_a_bad_alert_is_an_error_at_its_field(mfa_client, admin_a, data, field, message):
    response = mfa_client(admin_a).post("/staff/analytics/alerts/", data)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body.replace("&#x27;", "'") and f'href="#id_{field}' in body
    assert not AlertRule.objects.exists()


def test_another_agencys_service_cannot_be_watched(mfa_client, admin_a, agency_b):
    other = make_service(agency_b)
    response = mfa_client(admin_a).post(
        "/staff/analytics/alerts/", {"service": other.pk, "metric": "backlog", "threshold": "3"}
    )
    assert response.status_code == 400
    assert not AlertRule.objects.exists()


def test_admin_deletes_an_alert_after_confirming(mfa_client, admin_a, agency_a):
    rule, _created = services.alert_rule_save(
        actor=admin_a, agency=agency_a, service=None, metric="overdue", threshold=2
    )
    client = mfa_client(admin_a)
    page = page_text(client.get(f"/staff/analytics/alerts/{rule.pk}/delete/"))
    assert "Delete the alert?" in page and "All services together" in page
    assert AlertRule.objects.filter(pk=rule.pk).exists()  # asking deletes nothing
    response = client.post(f"/staff/analytics/alerts/{rule.pk}/delete/")
    assert response.status_code == 302
    assert not AlertRule.objects.exists()
    row = AuditLog.objects.get(action=AuditAction.ANALYTICS_ALERT_DELETED)
    assert (row.actor_id, row.agency_id, row.subject_id, row.extra["metric"]) == (
        admin_a.pk,
        agency_a.pk,
        str(rule.pk),
        "overdue",
    )

"""A hostile hint on a report category's question is defused for anonymous visitors (issue 9, 2.5)."""

from __future__ import annotations

from ecitizen.catalogue.tests.test_hints import HOSTILE, assert_defused, hint_div


def test_a_hostile_report_category_hint_is_defused_for_anonymous_visitors(client, pothole, admin_a):
    from ecitizen.reports.admin_services import category_save
    from ecitizen.reports.tests.test_reporting_journey import DETAILS, to_details

    questions = [
        {"code": "where", "label": {"en": "Where exactly?"}, "datatype": "string", "hint": {"en": HOSTILE}},
        {
            "code": "depth",
            "label": {"en": "How deep?"},
            "datatype": "singlevaluelist",
            "hint": {"en": HOSTILE},
            "values": [{"key": "deep", "name": {"en": "Deep"}}, {"key": "shallow", "name": {"en": "Shallow"}}],
        },
    ]
    category_save(
        actor=admin_a,
        category=pothole,
        data={"name": pothole.name, "response_days": 5, "questions": questions},
    )
    to_details(client)

    page = client.get(DETAILS).content.decode()

    assert_defused(page, hint_div(page, "id_answer_where"))
    assert_defused(page, hint_div(page, "id_answer_depth"))

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_hub_is_linked_from_the_home_page_header_and_footer(client):
    home = client.get("/").content.decode()
    hub = reverse("engagement:hub")
    # The home page's list, the header menu and the footer each link it.
    assert home.count(f'href="{hub}"') == 3


def test_the_hub_marks_its_menu_item_current_and_links_the_code_of_conduct(client):
    page = client.get(reverse("engagement:hub")).content.decode()
    current = re.search(r'item--active">\s*<a class="govuk-service-navigation__link" href="([^"]+)"', page)
    assert current and current.group(1) == reverse("engagement:hub")
    assert reverse("engagement:code_of_conduct") in page


def test_the_code_of_conduct_says_how_moderation_works(client):
    response = client.get(reverse("engagement:code_of_conduct"))
    assert response.status_code == 200
    assert "moderation log" in response.content.decode()


@pytest.mark.parametrize(
    "role, expected",
    [
        ("caseworker", ["Consultations and surveys", "Questions to answer", "Service feedback"]),
        (
            "agency_admin",
            ["Consultations and surveys", "Petitions", "Questions to answer", "Discussion boards", "Service feedback"],
        ),
        ("moderator", ["Petitions", "Comment moderation", "Questions to answer", "Service feedback"]),
        ("auditor", ["Service feedback"]),
    ],
)
def test_the_staff_hub_links_the_areas_each_role_opens(client, make_user, with_mfa, agency_a, role, expected):
    from ecitizen.agencies.models import Membership
    from ecitizen.engagement.areas import staff_areas_for

    user = make_user(f"{role}@council.example")
    Membership.objects.create(user=user, agency=agency_a, role=role)
    assert [str(a.label) for a in staff_areas_for(user)] == expected


def test_the_staff_hub_is_not_there_for_a_citizen(client, make_user):
    client.force_login(make_user("citizen@example.org"))
    assert client.get(reverse("engagement_staff:hub")).status_code == 404


def test_the_staff_menu_has_one_item_for_have_your_say(make_user, agency_a):
    from ecitizen.agencies.models import Membership
    from ecitizen.dashboard.navigation import staff_navigation_for

    user = make_user("mod@council.example")
    Membership.objects.create(user=user, agency=agency_a, role="moderator")
    items = staff_navigation_for(user)
    say = [i for i in items if str(i.label) == "Have your say"]
    assert len(say) == 1 and say[0].url == reverse("engagement_staff:hub")
    assert say[0].is_active("petitions_staff", "index") and not say[0].is_active("reports_staff", "queue")

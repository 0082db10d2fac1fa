"""``signer_details_for``: a petition signer's name, postcode and whether their address is confirmed,
in one query, as the profile and allauth say."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from ecitizen.accounts.models import User
from ecitizen.accounts.selectors import primary_email_confirmed, signer_details_for

pytestmark = pytest.mark.django_db


def test_name_postcode_and_a_confirmed_address(make_user, django_assert_num_queries):
    user = make_user("Rita.Moss@Example.org", given_name="Rita", family_name="Moss", postcode="NB4 7QS")
    with django_assert_num_queries(1):
        assert signer_details_for(user) == ("Rita Moss", "NB4 7QS", True)
    assert primary_email_confirmed(user)


def test_an_unconfirmed_address(make_user):
    user = make_user("eve@example.org", verified_email=False, given_name="Eve")
    assert signer_details_for(user) == ("Eve", "", False) and not primary_email_confirmed(user)


def test_a_new_address_is_not_confirmed_by_the_old_one(make_user):
    user = make_user("old@example.org")
    user.email = "new@example.org"
    user.save()
    EmailAddress.objects.create(user=user, email="new@example.org", verified=False)
    assert signer_details_for(user)[2] is False and not primary_email_confirmed(user)


def test_an_account_without_a_profile():
    user = User.objects.create_user(email="bare@example.org", password=None)
    assert signer_details_for(user) == ("", "", False)

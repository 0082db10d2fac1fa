"""Participatory budgeting's public pages, mounted at /budgeting/."""

from ecitizen.voting.budgeting import ballot_urls, idea_urls, result_urls

app_name = "budgeting"

urlpatterns = [*idea_urls.public, *ballot_urls.public, *result_urls.public]

"""Participatory budgeting's staff pages, mounted at /staff/budgeting/."""

from ecitizen.voting.budgeting import ballot_urls, idea_urls, result_urls

app_name = "budgeting_staff"

urlpatterns = [*idea_urls.staff, *ballot_urls.staff, *result_urls.staff]

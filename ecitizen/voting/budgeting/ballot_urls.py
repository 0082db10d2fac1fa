"""URLs of budgeting's ballot pages: ``public`` under /budgeting/, ``staff`` under /staff/budgeting/."""

from __future__ import annotations

from django.urls import path

from ecitizen.voting.budgeting import ballot_views, paper_views

public: list = [
    path("<int:process_id>/vote/", ballot_views.vote, name="vote"),
    path("<int:process_id>/vote/done/", ballot_views.vote_done, name="vote_done"),
]
staff: list = [
    path("<int:process_id>/paper/", paper_views.paper_list, name="paper_list"),
    path("<int:process_id>/paper/enter/", paper_views.paper_enter, name="paper_enter"),
    path("<int:process_id>/paper/<int:entry_id>/confirm/", paper_views.paper_confirm, name="paper_confirm"),
    path("<int:process_id>/paper/<int:entry_id>/discard/", paper_views.paper_discard, name="paper_discard"),
]

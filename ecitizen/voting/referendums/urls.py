"""Referendums' public pages, mounted at /referendums/."""

from django.urls import path

from ecitizen.voting.referendums import public_views

app_name = "referendums"

urlpatterns = [
    path("", public_views.index, name="index"),
    path("<int:pk>/", public_views.detail, name="detail"),
    path("<int:pk>/vote/", public_views.vote, name="vote"),
    path("<int:pk>/election.json", public_views.election_json, name="election"),
    path("<int:pk>/board/", public_views.board, name="board"),
    path("<int:pk>/board.json", public_views.board_json, name="board_json"),
    path("<int:pk>/result/", public_views.result, name="result"),
]

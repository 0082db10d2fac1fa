"""Discussions: the back office (/staff/moderation/; MFA enforced by middleware)."""

from django.urls import path

from ecitizen.engagement.discussions import staff_views

app_name = "discussions_staff"

urlpatterns = [
    path("", staff_views.queue, name="queue"),
    path("", staff_views.queue, name="index"),
    path("comments/<int:pk>/", staff_views.review, name="review"),
    path("comments/<int:pk>/hide/", staff_views.hide, name="hide"),
    path("comments/<int:pk>/restore/", staff_views.restore, name="restore"),
    path("questions/", staff_views.questions, name="questions"),
    path("boards/", staff_views.boards, name="boards"),
    path("boards/new/", staff_views.board_new, name="board_new"),
    path("boards/<int:pk>/", staff_views.board_edit, name="board_edit"),
]

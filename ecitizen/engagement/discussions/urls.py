"""Discussions: the public pages (/have-your-say/discussions/)."""

from django.urls import path

from ecitizen.engagement.discussions import views

app_name = "discussions"

urlpatterns = [
    path("", views.boards, name="boards"),
    path("", views.boards, name="index"),
    path("boards/<slug:slug>/", views.board, name="board"),
    path("boards/<slug:slug>/new-topic/", views.topic_new, name="topic_new"),
    path("following/", views.follows, name="follows"),
    path("settings/", views.participant_settings, name="settings"),
    path("moderation-log/", views.moderation_log, name="moderation_log"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/remove/", views.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/report/", views.comment_flag, name="comment_flag"),
    path("comments/<int:pk>/history/", views.comment_history, name="comment_history"),
    path("comments/<int:pk>/answer/", views.comment_answer, name="comment_answer"),
    path("on/<slug:kind>/<str:key>/", views.subject, name="subject"),
    path("on/<slug:kind>/<str:key>/follow/", views.follow, name="follow"),
    path("on/<slug:kind>/<str:key>/unfollow/", views.unfollow, name="unfollow"),
]

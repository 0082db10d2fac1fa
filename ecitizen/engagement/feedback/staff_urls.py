"""Service feedback: the back office, under /staff/feedback/ (MFA enforced by middleware)."""

from django.urls import path

from ecitizen.engagement.feedback import staff_views as views

app_name = "feedback_staff"

urlpatterns = [
    path("", views.index, name="index"),
    path("satisfaction.csv", views.index_csv, name="index_csv"),
    path("comments/", views.comments, name="comments"),
    path("comments.csv", views.comments_csv, name="comments_csv"),
]

"""Service feedback: the public pages, under /feedback/."""

from django.urls import path

from ecitizen.engagement.feedback import views

app_name = "feedback"

KINDS = "<str:kind>/<str:reference>"

urlpatterns = [
    path("", views.index, name="index"),
    path(f"{KINDS}/", views.give, name="give"),
    path(f"{KINDS}/thanks/", views.thanks, name="thanks"),
]

"""The public fee schedule. Mounted at ``/fees/``; no sign-in."""

from django.urls import path

from ecitizen.payments import tax_views as views

app_name = "fees"

urlpatterns = [
    path("", views.fee_schedule, name="schedule"),
]

"""The back office of Have your say, mounted at /staff/engagement/ (MFA enforced by middleware)."""

from django.urls import path

from ecitizen.engagement import staff_views

app_name = "engagement_staff"

urlpatterns = [
    path("", staff_views.hub, name="hub"),
]

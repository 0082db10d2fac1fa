"""Open311 API keys in the back office. Mounted at /staff/open311/ (MFA required there)."""

from django.urls import path

from ecitizen.reports.open311 import staff_views

app_name = "open311_staff"

urlpatterns = [
    path("", staff_views.client_list, name="clients"),
    path("new/", staff_views.client_issue, name="issue"),
    path("<int:pk>/revoke/", staff_views.client_revoke, name="revoke"),
]

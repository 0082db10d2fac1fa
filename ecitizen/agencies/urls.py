from django.urls import path

from ecitizen.agencies import views

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit_log, name="audit_log"),
    path("identity-check/", views.identity_check_start, name="identity_check_start"),
    path("identity-check/details/", views.identity_check_details, name="identity_check_details"),
]

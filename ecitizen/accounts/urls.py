from django.urls import path

from ecitizen.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("profile/", views.profile_edit, name="profile"),
    path("identity/", views.identity_verify, name="identity"),
    path("security/", views.security, name="security"),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/end-others/", views.sessions_end_others, name="sessions_end_others"),
    path("language/", views.language, name="language"),
]

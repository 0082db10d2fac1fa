from django.urls import path

from ecitizen.privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.access_log, name="access_log"),
]

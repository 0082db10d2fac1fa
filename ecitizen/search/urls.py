"""The one site search, under /search/."""

from django.urls import path

from ecitizen.search import views

app_name = "search"

urlpatterns = [
    path("", views.search, name="index"),
]

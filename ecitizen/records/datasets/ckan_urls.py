"""The CKAN-compatible action API, mounted at ``/api/3/`` (its views are in ``ckan_api.py``)."""

from django.urls import path

from ecitizen.records.datasets import ckan_api

app_name = "ckan"

urlpatterns: list = [
    path("action/<str:name>", ckan_api.action, name="action"),
    path("action/<str:name>/", ckan_api.action, name="action-slash"),
]

"""The open data catalogue's public pages."""

from django.urls import path

from ecitizen.records.datasets import views

app_name = "datasets"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:name>/", views.detail, name="detail"),
    path("<slug:name>/history/", views.history, name="history"),
    path("<slug:name>/resources/<uuid:resource_id>/", views.resource, name="resource"),
    path("<slug:name>/resources/<uuid:resource_id>/download/", views.download, name="download"),
]

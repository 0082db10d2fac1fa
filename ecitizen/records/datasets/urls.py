"""The open data catalogue's public pages."""

from django.urls import path

from ecitizen.records.datasets import views

app_name = "datasets"

urlpatterns = [
    path("", views.index, name="index"),
    # DCAT-AP for harvesters (before "<slug:name>/", which would not match them anyway).
    path("catalog.jsonld", views.dcat_catalog, {"fmt": "json-ld"}, name="dcat_catalog_jsonld"),
    path("catalog.ttl", views.dcat_catalog, {"fmt": "turtle"}, name="dcat_catalog_ttl"),
    path("<slug:name>/dataset.jsonld", views.dcat_dataset, {"fmt": "json-ld"}, name="dcat_dataset_jsonld"),
    path("<slug:name>/dataset.ttl", views.dcat_dataset, {"fmt": "turtle"}, name="dcat_dataset_ttl"),
    path("<slug:name>/", views.detail, name="detail"),
    path("<slug:name>/history/", views.history, name="history"),
    path("<slug:name>/resources/<uuid:resource_id>/", views.resource, name="resource"),
    path("<slug:name>/resources/<uuid:resource_id>/download/", views.download, name="download"),
]

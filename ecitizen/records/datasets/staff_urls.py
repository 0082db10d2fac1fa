"""The open data catalogue's back office (MFA enforced by middleware)."""

from django.urls import path

from ecitizen.records.datasets import staff_views

app_name = "datasets_staff"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("new/", staff_views.create, name="create"),
    path("<slug:name>/", staff_views.detail, name="detail"),
    path("<slug:name>/edit/", staff_views.edit, name="edit"),
    path("<slug:name>/publish/", staff_views.publish, name="publish"),
    path("<slug:name>/unpublish/", staff_views.unpublish, name="unpublish"),
    path("<slug:name>/resources/new/", staff_views.resource_add, name="resource_add"),
    path("<slug:name>/resources/<uuid:resource_id>/replace/", staff_views.resource_replace, name="resource_replace"),
    path("<slug:name>/resources/<uuid:resource_id>/remove/", staff_views.resource_remove, name="resource_remove"),
    path("<slug:name>/resources/<uuid:resource_id>/download/", staff_views.resource_download, name="resource_download"),
]

"""Petitions: the back office (MFA enforced by middleware)."""

from django.urls import path

from ecitizen.engagement.petitions import staff_views

app_name = "petitions_staff"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("<int:number>/", staff_views.detail, name="detail"),
    path("<int:number>/publish/", staff_views.publish, name="publish"),
    path("<int:number>/reject/", staff_views.reject, name="reject"),
    path("<int:number>/respond/", staff_views.respond, name="respond"),
    path("<int:number>/debate/", staff_views.debate, name="debate"),
    path("<int:number>/signatures/", staff_views.flagged, name="flagged"),
    path("<int:number>/signatures/<int:signature_id>/", staff_views.review, name="review"),
]

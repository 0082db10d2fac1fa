"""Information requests: the back office (MFA enforced by middleware)."""

from django.urls import path

from ecitizen.records.foi import staff_views

app_name = "foi_staff"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("<int:number>/", staff_views.detail, name="detail"),
    path("<int:number>/answer/", staff_views.answer, name="answer"),
    path("<int:number>/refuse/", staff_views.refuse, name="refuse"),
    path("<int:number>/clarification/", staff_views.clarification, name="clarification"),
    path("<int:number>/extend/", staff_views.extend, name="extend"),
    path("<int:number>/documents/", staff_views.add_document, name="add_document"),
    path("<int:number>/documents/<int:document_id>/original/", staff_views.original, name="original"),
    path("<int:number>/review/", staff_views.review, name="review"),
]

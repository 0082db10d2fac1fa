"""Consultations and surveys: the back office (MFA enforced by middleware)."""

from django.urls import path

from ecitizen.engagement.consultations import staff_views as v

app_name = "consultations_staff"

urlpatterns = [
    path("", v.index, name="index"),
    path("new/", v.new, name="new"),
    path("<int:pk>/", v.detail, name="detail"),
    path("<int:pk>/edit/", v.edit, name="edit"),
    path("<int:pk>/questions/", v.builder, name="builder"),
    path("<int:pk>/questions/page/", v.page_add, name="page_add"),
    path("<int:pk>/questions/page/<str:page_id>/", v.page_edit, name="page_edit"),
    path("<int:pk>/questions/page/<str:page_id>/remove/", v.page_remove, name="page_remove"),
    path("<int:pk>/questions/add/", v.question_add, name="question_add"),
    path("<int:pk>/questions/<str:question_id>/", v.question_edit, name="question_edit"),
    path("<int:pk>/questions/<str:question_id>/remove/", v.question_remove, name="question_remove"),
    path("<int:pk>/questions/<str:question_id>/move/", v.question_move, name="question_move"),
    path("<int:pk>/documents/", v.documents, name="documents"),
    path("<int:pk>/documents/<int:document_id>/remove/", v.document_remove, name="document_remove"),
    path("<int:pk>/publish/", v.publish, name="publish"),
    path("<int:pk>/close/", v.close, name="close"),
    path("<int:pk>/results/", v.results, name="results"),
    path("<int:pk>/results/<int:response_id>/<str:question_id>/tag/", v.tag, name="tag"),
    path("<int:pk>/export.<str:fmt>", v.export, name="export"),
    path("<int:pk>/comments/", v.comments, name="comments"),
    path("<int:pk>/outcome/", v.outcome, name="outcome"),
    path("<int:pk>/preview/", v.preview, name="preview"),
    path("<int:pk>/preview/text/", v.preview_text, name="preview_text"),
    path("<int:pk>/preview/documents/<int:document_id>/", v.preview_document, name="preview_document"),
    path("<int:pk>/preview/page/<str:page_id>/", v.preview_page, name="preview_page"),
]

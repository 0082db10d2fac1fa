"""Back-office pages, mounted under /staff/documents/ where MFA is enforced."""

from django.urls import path

from ecitizen.documents import views

app_name = "documents_staff"

urlpatterns = [
    path("<str:number>/revoke/", views.document_revoke_view, name="revoke"),
]

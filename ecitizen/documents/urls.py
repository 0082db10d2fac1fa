from django.urls import path

from ecitizen.documents import views

app_name = "documents"

urlpatterns = [
    path("", views.document_list, name="list"),
    path("verify/", views.verify, name="verify"),
    path("<str:number>/", views.document_detail, name="detail"),
    path("<str:number>/pdf/", views.document_pdf, name="pdf"),
]

"""Information requests: the public pages."""

from django.urls import path

from ecitizen.records.foi import views

app_name = "foi"

urlpatterns = [
    path("", views.index, name="index"),
    path("ask/", views.ask, name="ask"),
    path("ask/check/", views.ask_check, name="ask_check"),
    path("yours/", views.mine, name="mine"),
    path("disclosure-log/", views.disclosure_log, name="disclosure_log"),
    path("<int:number>/", views.detail, name="detail"),
    path("<int:number>/sent/", views.sent, name="sent"),
    path("<int:number>/clarify/", views.clarify, name="clarify"),
    path("<int:number>/review/", views.review, name="review"),
    path("<int:number>/documents/<int:document_id>/", views.document, name="document"),
]

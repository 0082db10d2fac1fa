"""Consultations and surveys: the public pages."""

from django.urls import path

from ecitizen.engagement.consultations import views

app_name = "consultations"

urlpatterns = [
    path("", views.index, name="index"),
    path("link/<str:token>/", views.link, name="link"),
    path("confirm/<str:token>/", views.email_confirm, name="email_confirm"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/documents/<int:pk>/", views.document, name="document"),
    path("<slug:slug>/respond/", views.start, name="start"),
    path("<slug:slug>/respond/check/", views.check, name="check"),
    path("<slug:slug>/respond/sent/", views.sent, name="sent"),
    # question pages under page/ so that a page id "check" or "sent" cannot clash
    path("<slug:slug>/respond/page/<str:page_id>/", views.page, name="page"),
    path("<slug:slug>/text/", views.text, name="text"),
    path("<slug:slug>/text/<int:number>/comment/", views.comment, name="comment"),
    path("<slug:slug>/results/", views.results, name="results"),
]

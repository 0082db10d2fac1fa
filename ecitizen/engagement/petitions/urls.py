"""Petitions: the public pages."""

from django.urls import path

from ecitizen.engagement.petitions import views

app_name = "petitions"

urlpatterns = [
    path("", views.index, name="index"),
    path("rules/", views.rules, name="rules"),
    path("start/", views.start, name="start"),
    path("start/supporters/", views.start_sponsors, name="start_sponsors"),
    path("start/check/", views.start_check, name="start_check"),
    path("yours/", views.mine, name="mine"),
    path("support/<str:token>/", views.sponsor, name="sponsor"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("withdraw/<str:token>/", views.withdraw_email, name="withdraw_email"),
    path("<int:number>/", views.detail, name="detail"),
    path("<int:number>/count.json", views.count_json, name="count_json"),
    path("<int:number>/created/", views.created, name="created"),
    path("<int:number>/sign/", views.sign, name="sign"),
    path("<int:number>/signed/", views.signed, name="signed"),
    path("<int:number>/check-your-email/", views.check_email, name="check_email"),
    path("<int:number>/withdraw/", views.withdraw, name="withdraw"),
]

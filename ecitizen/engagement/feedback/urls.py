"""Service feedback: the public pages, under /feedback/."""

from django.urls import path

from ecitizen.engagement.feedback import views

app_name = "feedback"

KINDS = "<str:kind>/<str:reference>"

urlpatterns = [
    path("", views.index, name="index"),
    # Before the kinds: "link" is not a kind, and a token never contains "/".
    path("link/<str:token>/", views.give_by_link, name="give_by_link"),
    path("link/<str:token>/thanks/", views.thanks_by_link, name="thanks_by_link"),
    path(f"{KINDS}/", views.give, name="give"),
    path(f"{KINDS}/thanks/", views.thanks, name="thanks"),
]

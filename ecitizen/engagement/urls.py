"""The hub of Have your say, mounted at /have-your-say/."""

from django.urls import path

from ecitizen.engagement import views

app_name = "engagement"

urlpatterns = [
    path("", views.hub, name="hub"),
    path("code-of-conduct/", views.code_of_conduct, name="code_of_conduct"),
]

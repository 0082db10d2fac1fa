from django.urls import path

from ecitizen.catalogue import views

app_name = "catalogue"

# The fixed paths come first: a service's slug may not be "category" or "life-event".
urlpatterns = [
    path("", views.index, name="index"),
    path("category/<slug:slug>/", views.category, name="category"),
    path("life-event/<slug:slug>/", views.life_event, name="life_event"),
    path("<slug:slug>/", views.start, name="start"),
]

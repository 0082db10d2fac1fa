from django.urls import path  # noqa: F401

app_name = "datasets_staff"

urlpatterns: list = []

"""Mounted at /.well-known/jwks.json: the public keys that verify issued documents."""

from django.urls import path

from ecitizen.documents import views

urlpatterns = [
    path("", views.jwks, name="documents_jwks"),
]

"""Taxes in the back office. Mounted at ``/staff/taxes/`` (under /staff/, so MFA is required)."""

from django.urls import path

from ecitizen.payments import tax_views as views

app_name = "taxes_staff"

urlpatterns = [
    path("", views.tax_list, name="list"),
    path("new/", views.tax_new, name="new"),
    path("<int:pk>/", views.tax_detail, name="detail"),
    path("<int:pk>/edit/", views.tax_edit, name="edit"),
    path("<int:pk>/assessments/upload/", views.assessments_upload, name="upload"),
    path("<int:pk>/bills/generate/", views.bills_generate, name="generate"),
    path("<int:pk>/bills/", views.bill_list, name="bills"),
]

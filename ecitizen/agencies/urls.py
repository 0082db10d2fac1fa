from django.urls import path

from ecitizen.agencies import views

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit_log, name="audit_log"),
    path("identity-check/", views.identity_check_start, name="identity_check_start"),
    path("identity-check/details/", views.identity_check_details, name="identity_check_details"),
    path("identity-check/reviews/", views.identity_reviews, name="identity_reviews"),
    path("identity-check/reviews/<int:pk>/close/", views.identity_review_close_view, name="identity_review_close"),
    path("relatives/", views.relatives, name="relatives"),
    path("relatives/<int:pk>/remove/", views.relative_remove, name="relative_remove"),
]

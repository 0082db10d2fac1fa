from django.urls import path

from ecitizen.catalogue import staff_views as views

app_name = "catalogue_staff"

urlpatterns = [
    path("", views.service_list, name="list"),
    path("new/", views.service_new, name="new"),
    path("<int:pk>/", views.service_detail, name="detail"),
    path("<int:pk>/edit/", views.service_edit, name="edit"),
    path("<int:pk>/form/", views.builder, name="builder"),
    path("<int:pk>/form/pages/add/", views.page_add, name="page_add"),
    path("<int:pk>/form/pages/<slug:page_id>/edit/", views.page_edit, name="page_edit"),
    path("<int:pk>/form/pages/<slug:page_id>/remove/", views.page_remove, name="page_remove"),
    path("<int:pk>/form/pages/<slug:page_id>/move/", views.page_move, name="page_move"),
    path("<int:pk>/form/questions/add/", views.question_add, name="question_add"),
    path("<int:pk>/form/questions/<slug:question_id>/edit/", views.question_edit, name="question_edit"),
    path("<int:pk>/form/questions/<slug:question_id>/remove/", views.question_remove, name="question_remove"),
    path("<int:pk>/form/questions/<slug:question_id>/move/", views.question_move, name="question_move"),
    path("<int:pk>/preview/", views.preview, name="preview"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/retire/", views.retire, name="retire"),
]

from django.urls import path

from ecitizen.cases import staff_views as views

app_name = "cases_staff"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk-assign/", views.bulk_assign, name="bulk_assign"),
    path("<int:pk>/", views.case_detail, name="case"),
    path("<int:pk>/assign-to-me/", views.assign_to_me, name="assign_to_me"),
    path("<int:pk>/request-info/", views.request_info, name="request_info"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/refuse/", views.refuse, name="refuse"),
    path("<int:pk>/notes/", views.add_note, name="add_note"),
    path("<int:pk>/files/<int:upload_id>/", views.upload_download, name="upload"),
]

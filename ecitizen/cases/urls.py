from django.urls import path

from ecitizen.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.my_applications, name="mine"),
    path("start/<slug:slug>/", views.start, name="start"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/status.json", views.status_json, name="status_json"),
    path("<int:pk>/questions/<slug:page_id>/", views.question_page, name="page"),
    path("<int:pk>/continue/", views.resume, name="resume"),
    path("<int:pk>/check/", views.check_answers, name="check"),
    path("<int:pk>/confirmation/", views.confirmation, name="confirmation"),
    path("<int:pk>/respond/", views.respond, name="respond"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/files/<int:upload_id>/", views.upload_download, name="upload"),
]

"""URLs of budgeting's result pages: ``public`` under /budgeting/, ``staff`` under /staff/budgeting/."""

from __future__ import annotations

from django.urls import path

from ecitizen.voting.budgeting import result_views, staff_result_views

public: list = [
    path("<int:pk>/results/", result_views.results, name="results"),
    path("<int:pk>/budgets/<int:budget_pk>.pb", result_views.pabulib_file, name="pabulib"),
    path("<int:pk>/implementation/", result_views.implementation, name="implementation"),
    path("projects/<int:pk>/follow/", result_views.follow, name="follow"),
    path("projects/<int:pk>/unfollow/", result_views.unfollow, name="unfollow"),
]
staff: list = [
    path("<int:pk>/results/", staff_result_views.results, name="results"),
    path("<int:pk>/results/count/", staff_result_views.count, name="results_count"),
    path("<int:pk>/results/publish/", staff_result_views.publish, name="results_publish"),
    path("<int:pk>/implementation/start/", staff_result_views.start_implementation, name="implementation_start"),
    path("<int:pk>/budgets/<int:budget_pk>.pb", staff_result_views.export, name="pabulib"),
    path("import/", staff_result_views.import_file, name="results_import"),
    path("projects/<int:pk>/implementation/", staff_result_views.project_implementation, name="project_implementation"),
    path("projects/<int:pk>/progress/", staff_result_views.progress, name="project_progress"),
    path("projects/<int:pk>/photos/", staff_result_views.photo_add, name="project_photo_add"),
    path("projects/<int:pk>/milestones/new/", staff_result_views.milestone, name="milestone_new"),
    path("projects/<int:pk>/milestones/<int:milestone_pk>/", staff_result_views.milestone, name="milestone_edit"),
]

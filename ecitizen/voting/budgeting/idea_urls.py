"""URLs of budgeting's idea pages: ``public`` under /budgeting/, ``staff`` under /staff/budgeting/."""

from __future__ import annotations

from django.urls import path

from ecitizen.voting.budgeting import idea_views, staff_idea_views

public: list = [
    path("", idea_views.index, name="index"),
    path("<int:pk>/", idea_views.process, name="process"),
    path("<int:pk>/ideas/", idea_views.ideas, name="ideas"),
    path("<int:pk>/ideas/new/", idea_views.idea_new, name="idea_new"),
    path("projects/<int:pk>/", idea_views.project, name="project"),
    path("projects/<int:pk>/edit/", idea_views.idea_edit, name="idea_edit"),
    path("projects/<int:pk>/photos/", idea_views.idea_photo, name="idea_photo"),
    path("projects/<int:pk>/withdraw/", idea_views.idea_withdraw, name="idea_withdraw"),
    path("projects/<int:pk>/support/", idea_views.idea_support, name="idea_support"),
    path("photos/<int:pk>/", idea_views.photo, name="photo"),
]
staff: list = [
    path("", staff_idea_views.index, name="index"),
    path("new/", staff_idea_views.process_new, name="process_new"),
    path("<int:pk>/", staff_idea_views.process, name="process"),
    path("<int:pk>/edit/", staff_idea_views.process_edit, name="process_edit"),
    path("<int:pk>/publish/", staff_idea_views.process_publish, name="process_publish"),
    path("<int:pk>/review/", staff_idea_views.review_queue, name="review_queue"),
    path("review/<int:pk>/", staff_idea_views.review, name="review"),
    path("review/<int:pk>/accept/", staff_idea_views.review_accept, name="review_accept"),
    path("review/<int:pk>/reject/", staff_idea_views.review_reject, name="review_reject"),
    path("review/<int:pk>/merge/", staff_idea_views.review_merge, name="review_merge"),
]

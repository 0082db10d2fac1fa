"""Building the funded projects: staff start the implementation phase, record milestones,
progress, spending and photos; residents follow a project and are told when a milestone is done.

Each write: one transaction, the actor passed in, one audit row. Emails to followers are queued
once the transaction commits, never sent inside it. Photos are checked and re-encoded without
their metadata before the transaction opens.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.accounts.models import User
from ecitizen.cases.uploads import CleanFile, prepare_image
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.notifications.services import notify
from ecitizen.voting.budgeting import conf
from ecitizen.voting.budgeting.models import (
    DESCRIPTION_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Follow,
    Milestone,
    Phase,
    Process,
    Project,
    ProjectPhoto,
)
from ecitizen.voting.budgeting.result_policies import implementation_policy, result_policy

ALT_TEXT_MAX_LENGTH = 200


def _check(actor: Any, project: Project, action: str) -> None:
    if not implementation_policy.can_for(actor, action, project):
        raise PermissionDenied


@transaction.atomic
def implementation_start(*, actor: Any, process: Process) -> Process:
    """Open the implementation phase of a process whose results are published.

    *actor* is an agency admin of its agency (PermissionDenied otherwise); ValidationError when
    the results are not published or the phase has already started. One PB_IMPLEMENTATION_STARTED
    audit row.
    """
    locked = Process.objects.select_for_update().select_related("agency").get(pk=process.pk)
    if not result_policy.can_for(actor, "start_implementation", locked):
        raise PermissionDenied
    if locked.phase() != Phase.RESULTS:
        raise ValidationError(_("Implementation starts once the results are published, once."), code="phase")
    locked.implementation_started_at = timezone.now()
    locked.save(update_fields=["implementation_started_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.PB_IMPLEMENTATION_STARTED,
        subject=locked,
        agency=locked.agency,
    )
    return locked


def _clean_milestone(title: str, description: str, planned_for, done_on) -> dict:
    errors = {}
    title = (title or "").strip()
    description = (description or "").strip()
    if not title:
        errors["title"] = _("Enter a title")
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = _("The title must be %(n)s characters or fewer") % {"n": TITLE_MAX_LENGTH}
    if len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = _("The description must be %(n)s characters or fewer") % {"n": DESCRIPTION_MAX_LENGTH}
    if done_on is not None and done_on > timezone.localdate():
        errors["done_on"] = _("The date it was done must be today or in the past")
    if errors:
        raise ValidationError(errors)
    return {"title": title, "description": description, "planned_for": planned_for, "done_on": done_on}


@transaction.atomic
def milestone_save(
    *,
    actor: Any,
    project: Project,
    milestone: Milestone | None = None,
    title: str,
    description: str = "",
    planned_for: datetime.date | None = None,
    done_on: datetime.date | None = None,
    seen_updated_at: datetime.datetime | None = None,
    create_token: uuid.UUID | None = None,
) -> Milestone:
    """Add a milestone to a funded project, or change *milestone*.

    *actor* is a caseworker or agency admin of the agency, not the project's author, and the
    implementation phase has started (PermissionDenied otherwise). *seen_updated_at* is when the
    milestone was last changed as the editor saw it: if someone changed it since, ValidationError
    ``changed`` and nothing is saved. When the milestone becomes done, the project's followers are
    told once the transaction commits. A new milestone sent again with the same *create_token*
    is returned as it is, with nothing more written. One PB_MILESTONE_SAVED audit row.
    """
    _check(actor, project, "implement")
    values = _clean_milestone(title, description, planned_for, done_on)
    was_done = False
    if milestone is None:
        if create_token is not None:
            existing = Milestone.objects.filter(create_token=create_token, project=project).first()
            if existing is not None:
                return existing
        milestone = Milestone(project=project, create_token=create_token)
    else:
        milestone = Milestone.objects.select_for_update().get(pk=milestone.pk, project=project)
        if seen_updated_at is not None and milestone.updated_at != seen_updated_at:
            raise ValidationError(
                _("Someone else changed this milestone while you were editing it. Check it and save again."),
                code="changed",
            )
        was_done = milestone.done_on is not None
    for name, value in values.items():
        setattr(milestone, name, value)
    try:
        with transaction.atomic():
            milestone.save()
    except IntegrityError:
        # The same form sent twice at once: the other request made it.
        return Milestone.objects.get(create_token=create_token, project=project)
    audit_record(
        actor=actor,
        action=AuditAction.PB_MILESTONE_SAVED,
        subject=milestone,
        agency=project.process.agency,
        extra={"project": project.pk, "done_on": str(done_on) if done_on else None},
    )
    if done_on is not None and not was_done:
        _followers_notify(project, milestone, exclude=actor)
    return milestone


def _followers_notify(project: Project, milestone: Milestone, *, exclude: Any) -> None:
    """Once the transaction commits, put a message in each follower's inbox and email it to them."""
    project_id, milestone_id = project.pk, milestone.pk

    def send() -> None:
        with transaction.atomic():
            done = Milestone.objects.select_related("project").filter(pk=milestone_id, done_on__isnull=False).first()
            if done is None:
                return
            followers = User.objects.filter(
                pk__in=Follow.objects.filter(project_id=project_id).values("user_id"), is_active=True
            ).order_by("pk")
            for user in followers:
                if getattr(exclude, "pk", None) == user.pk:
                    continue
                notify(
                    user=user,
                    subject_template="budgeting/email/milestone_subject.txt",
                    body_template="budgeting/email/milestone_body.txt",
                    context={
                        "project_title": done.project.title,
                        "milestone_title": done.title,
                        "done_on": done.done_on,
                    },
                    url=reverse("budgeting:project", args=[project_id]),
                )

    transaction.on_commit(send, robust=True)


@transaction.atomic
def progress_save(*, actor: Any, project: Project, progress: int, spent: int) -> Project:
    """Record how far a funded project has got (per cent) and what it has cost so far.

    Same permission as :func:`milestone_save`. ValidationError on ``progress`` (0 to 100) or
    ``spent`` (0 or more). One PB_PROGRESS_SAVED audit row with the values before and after.
    """
    _check(actor, project, "implement")
    errors = {}
    if not isinstance(progress, int) or not 0 <= progress <= 100:
        errors["progress"] = _("Enter a percentage from 0 to 100")
    if not isinstance(spent, int) or spent < 0:
        errors["spent"] = _("Enter an amount of 0 or more")
    if errors:
        raise ValidationError(errors)
    locked = Project.objects.select_for_update().select_related("process__agency").get(pk=project.pk)
    before = {"progress": locked.progress, "spent": locked.spent}
    locked.progress, locked.spent = progress, spent
    locked.save(update_fields=["progress", "spent", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.PB_PROGRESS_SAVED,
        subject=locked,
        agency=locked.process.agency,
        extra={"before": before, "after": {"progress": progress, "spent": spent}},
    )
    return locked


def implementation_photo_add(
    *, actor: Any, project: Project, file: Any, alt_text: str, milestone: Milestone | None = None
) -> ProjectPhoto:
    """Add a photo of the work on a funded project (optionally for one of its milestones).

    Same permission as :func:`milestone_save`. The picture is checked by its content and
    re-encoded without metadata before the transaction (ValidationError on ``photo``), and
    ``alt_text`` is required. One PB_PHOTO_ADDED audit row.
    """
    _check(actor, project, "implement")
    alt_text = (alt_text or "").strip()
    if not alt_text:
        raise ValidationError({"alt_text": _("Describe what the photo shows")})
    if len(alt_text) > ALT_TEXT_MAX_LENGTH:
        raise ValidationError({"alt_text": _("The description must be %(n)s characters or fewer") % {"n": 200}})
    if milestone is not None and milestone.project_id != project.pk:
        raise ValidationError({"milestone": _("Choose a milestone of this project")})
    try:
        prepared = (
            file
            if isinstance(file, CleanFile)
            else prepare_image(file, max_bytes=conf.photo_max_bytes(), max_side=conf.photo_max_side())
        )
    except ValidationError as exc:
        raise ValidationError({"photo": exc.messages}) from exc
    return _photo_store(actor=actor, project=project, prepared=prepared, alt_text=alt_text, milestone=milestone)


def _photo_store(*, actor, project, prepared: CleanFile, alt_text: str, milestone) -> ProjectPhoto:
    # The file is written before the transaction opens, and deleted if the record is not made.
    field = ProjectPhoto._meta.get_field("image")
    name = field.storage.save(
        field.generate_filename(None, f"project-{project.pk}{prepared.kind.extension}"), ContentFile(prepared.data)
    )
    try:
        return _photo_record(actor=actor, project=project, name=name, alt_text=alt_text, milestone=milestone)
    except BaseException:
        field.storage.delete(name)
        raise


@transaction.atomic
def _photo_record(*, actor, project, name: str, alt_text: str, milestone) -> ProjectPhoto:
    photo = ProjectPhoto(project=project, milestone=milestone, alt_text=alt_text, added_by=actor)
    photo.image.name = name
    photo.save()
    audit_record(
        actor=actor,
        action=AuditAction.PB_PHOTO_ADDED,
        subject=photo,
        agency=project.process.agency,
        extra={"project": project.pk, "milestone": getattr(milestone, "pk", None), "by_staff": True},
    )
    return photo


@transaction.atomic
def follow_start(*, actor: Any, project: Project) -> Follow:
    """*actor* (signed in) follows a funded project of published results; following twice keeps
    one follow and writes nothing more. One PB_FOLLOW_STARTED audit row when it starts."""
    _check(actor, project, "follow")
    existing = Follow.objects.filter(project=project, user=actor).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            follow = Follow.objects.create(project=project, user=actor)
    except IntegrityError:
        return Follow.objects.get(project=project, user=actor)
    audit_record(
        actor=actor,
        action=AuditAction.PB_FOLLOW_STARTED,
        subject=follow,
        agency=project.process.agency,
        subject_user=actor,
        extra={"project": project.pk},
    )
    return follow


@transaction.atomic
def follow_stop(*, actor: Any, project: Project) -> bool:
    """*actor* stops following *project*; returns False (and writes nothing) if they did not follow
    it. One PB_FOLLOW_STOPPED audit row when they did."""
    follow = Follow.objects.select_for_update().filter(project=project, user=actor).first()
    if follow is None:
        return False
    audit_record(
        actor=actor,
        action=AuditAction.PB_FOLLOW_STOPPED,
        subject=follow,
        agency=project.process.agency,
        subject_user=actor,
        extra={"project": project.pk},
    )
    follow.delete()
    return True

"""Writes to ideas (projects before the ballot): residents propose, edit, withdraw and support
them while ideas are open; staff of the agency review them before voting opens.

Each function: one transaction, the actor passed in, one audit row per change. Errors people can
fix raise ``ValidationError`` with a dict of field names, and nothing is saved. Messages to
authors are put in their inbox by the notifications app, which emails them once the transaction
commits. Photos are decoded, re-encoded and written to storage before the transaction opens.

Support counts: ``Project.support_count`` always equals the number of its ``Support`` rows. Adding
or removing a support locks the idea's row first (so a merge and a support cannot interleave),
then changes the row and the counter (an ``F()`` update) in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.cases.uploads import CleanFile, prepare_image, private_storage, store_privately
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.notifications.services import notify
from ecitizen.reports import geo
from ecitizen.voting.budgeting import conf
from ecitizen.voting.budgeting.models import (
    DESCRIPTION_MAX_LENGTH,
    REASON_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Budget,
    Phase,
    Process,
    Project,
    ProjectPhoto,
    ProjectStatus,
    Support,
)
from ecitizen.voting.budgeting.policies import project_policy
from ecitizen.voting.budgeting.templatetags.budgeting_money import whole_money

LOCATION_MAX_LENGTH = 200
ALT_MAX_LENGTH = 200
# Fields an author sets on their idea.
IDEA_FIELDS = ("budget", "title", "description", "location_text", "latitude", "longitude", "estimated_cost")


@dataclass(frozen=True)
class IdeaData:
    """What an author enters for an idea (the form's cleaned data)."""

    budget: Budget | None
    title: str
    description: str
    estimated_cost: int | None
    location_text: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class PhotoUpload:
    """A photo as it came (an uploaded file) or already cleaned (:func:`photo_prepare`), with its description."""

    file: Any
    alt_text: str = ""


# --- helpers -----------------------------------------------------------------------------


def _ideas_open(process: Process) -> None:
    if process.phase() != Phase.IDEAS:
        raise ValidationError({"__all__": _("Ideas are not being collected now")})


def _before_voting(process: Process) -> None:
    if process.published_at is None or timezone.now() >= process.voting_open_at:
        raise ValidationError({"__all__": _("Ideas can no longer be reviewed: voting has opened")})


def validate_idea(process: Process, data: IdeaData) -> dict[str, str]:
    """Field errors of *data* as an idea of *process*."""
    errors: dict[str, str] = {}
    title = (data.title or "").strip()
    if not title:
        errors["title"] = _("Enter a title for your idea")
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = _("The title must be %(n)s characters or fewer") % {"n": TITLE_MAX_LENGTH}
    description = (data.description or "").strip()
    if not description:
        errors["description"] = _("Describe your idea")
    elif len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = _("The description must be %(n)s characters or fewer") % {"n": DESCRIPTION_MAX_LENGTH}
    if len((data.location_text or "").strip()) > LOCATION_MAX_LENGTH:
        errors["location_text"] = _("Where must be %(n)s characters or fewer") % {"n": LOCATION_MAX_LENGTH}
    budget = data.budget
    if budget is None or budget.process_id != process.pk:
        errors["budget"] = _("Select the district your idea is for")
        budget = None
    has_lat, has_lng = data.latitude is not None, data.longitude is not None
    if has_lat != has_lng:
        errors["latitude" if not has_lat else "longitude"] = _("Enter both the latitude and the longitude, or neither")
    elif has_lat:
        if not geo.valid_point(data.latitude, data.longitude):
            errors["latitude"] = _("Enter a latitude from -90 to 90 and a longitude from -180 to 180")
        elif (
            budget is not None
            and budget.area_id is not None
            and not budget.area.contains(data.latitude, data.longitude)
        ):
            errors["latitude"] = _("The place you chose is not in %(district)s") % {
                "district": budget.area.display_name()
            }
    cost = data.estimated_cost
    if cost is None or cost < 1:
        errors["estimated_cost"] = _("Enter the estimated cost, a whole number of 1 or more")
    elif budget is not None and cost > budget.amount:
        errors["estimated_cost"] = _("The estimated cost must be no more than the budget, %(amount)s") % {
            "amount": whole_money(budget.amount)
        }
    return errors


def _clean_alt(alt_text: str, project_title: str) -> str:
    alt = " ".join((alt_text or "").split())[:ALT_MAX_LENGTH]
    return alt or (_("Photo of the idea: %(title)s") % {"title": project_title})[:ALT_MAX_LENGTH]


def photo_prepare(file: Any) -> CleanFile:
    """Check a photo by its content (JPEG or PNG), and re-encode it without its metadata (no
    camera details, no GPS), scaled down to ``conf.photo_max_side()``. Touches no database.
    Raises ``ValidationError`` with codes as :func:`ecitizen.cases.uploads.prepare_image`."""
    if isinstance(file, CleanFile):
        return file
    return prepare_image(file, max_bytes=conf.photo_max_bytes(), max_side=conf.photo_max_side())


def _store_photos(photos: Sequence[PhotoUpload]) -> list[tuple[str, str]]:
    """Clean and store each photo (no transaction open); [(stored name, alt text)]. On a refusal,
    removes what was stored and raises ``ValidationError`` on the field ``photo``."""
    stored: list[tuple[str, str]] = []
    try:
        for photo in photos:
            try:
                prepared = photo_prepare(photo.file)
            except ValidationError as exc:
                raise ValidationError({"photo": exc.messages}) from exc
            stored.append((store_privately(prepared, folder="budgeting"), photo.alt_text))
    except BaseException:
        _delete_files([name for name, _alt in stored])
        raise
    return stored


def _delete_files(names: list[str]) -> None:
    storage = private_storage()
    for name in names:
        storage.delete(name)


def _record_photos(actor: Any, project: Project, stored: list[tuple[str, str]]) -> list[ProjectPhoto]:
    if project.photos.filter(milestone__isnull=True).count() + len(stored) > conf.photos_per_idea():
        raise ValidationError({"photo": _("An idea can have %(n)s photos at most") % {"n": conf.photos_per_idea()}})
    photos = []
    for name, alt in stored:
        photo = ProjectPhoto(project=project, alt_text=_clean_alt(alt, project.title), added_by=actor)
        photo.image.name = name
        photo.save(force_insert=True)
        audit_record(
            actor=actor,
            action=AuditAction.PB_PHOTO_ADDED,
            subject=photo,
            agency=project.process.agency,
            extra={"project": project.pk},
        )
        photos.append(photo)
    return photos


def _with_stored_photos(photos: Sequence[PhotoUpload], write):
    """Store *photos* first (outside any transaction), then call ``write(stored)`` in one; the files
    are removed again if it fails."""
    stored = _store_photos(photos) if photos else []
    try:
        return write(stored)
    except BaseException:
        _delete_files([name for name, _alt in stored])
        raise


# --- proposing ---------------------------------------------------------------------------


def idea_propose(
    *,
    actor: Any,
    process: Process,
    data: IdeaData,
    create_token: uuid.UUID,
    photos: Sequence[PhotoUpload] = (),
) -> Project:
    """A signed-in resident proposes an idea for one of *process*'s budgets while ideas are open.

    Sending the same *create_token* again answers the idea already made (a double click), without
    storing its photos twice. Raises ``ValidationError`` (fields of :class:`IdeaData`, ``photo``,
    ``__all__`` outside the ideas phase) and ``PermissionDenied`` for someone signed out or
    another person's token.
    """
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    existing = _existing(actor, create_token)
    if existing is not None:
        return existing
    # Cheap checks first, so that a refused form stores no photo.
    _ideas_open(process)
    errors = validate_idea(process, data)
    if errors:
        raise ValidationError(errors)
    return _with_stored_photos(photos, lambda stored: _propose(actor, process, data, create_token, stored))


def _existing(actor: Any, create_token: uuid.UUID) -> Project | None:
    existing = Project.objects.filter(create_token=create_token).first()
    if existing is not None and existing.author_id != actor.pk:
        raise PermissionDenied
    return existing


@transaction.atomic
def _propose(actor: Any, process: Process, data: IdeaData, create_token: uuid.UUID, stored) -> Project:
    process = Process.objects.select_related("agency").get(pk=process.pk)
    _ideas_open(process)
    errors = validate_idea(process, data)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            project = Project.objects.create(
                process=process,
                budget=data.budget,
                author=actor,
                title=data.title.strip(),
                description=data.description.strip(),
                location_text=(data.location_text or "").strip(),
                latitude=data.latitude,
                longitude=data.longitude,
                estimated_cost=data.estimated_cost,
                create_token=create_token,
            )
    except IntegrityError:
        # The same form sent twice at once: the other request made it.
        existing = _existing(actor, create_token)
        if existing is None:
            raise
        _delete_files([name for name, _alt in stored])
        return existing
    audit_record(
        actor=actor,
        action=AuditAction.PB_IDEA_PROPOSED,
        subject=project,
        agency=process.agency,
        extra={"process": process.pk, "budget": data.budget.pk},
    )
    _record_photos(actor, project, stored)
    return project


def _lock_own(actor: Any, project: Project, action: str) -> Project:
    locked = (
        Project.objects.select_for_update(of=("self",))
        .select_related("process__agency", "budget__area")
        .get(pk=project.pk)
    )
    if not project_policy.can_for(actor, action, locked):
        raise PermissionDenied
    return locked


@transaction.atomic
def idea_edit(*, actor: Any, project: Project, data: IdeaData) -> Project:
    """The author changes their idea while ideas are open and it is waiting for review."""
    project = _lock_own(actor, project, "edit")
    _ideas_open(project.process)
    errors = validate_idea(project.process, data)
    if errors:
        raise ValidationError(errors)
    values = {
        "budget": data.budget,
        "title": data.title.strip(),
        "description": data.description.strip(),
        "location_text": (data.location_text or "").strip(),
        "latitude": data.latitude,
        "longitude": data.longitude,
        "estimated_cost": data.estimated_cost,
    }
    changed = sorted(name for name, value in values.items() if value != getattr(project, name))
    for name, value in values.items():
        setattr(project, name, value)
    project.save(update_fields=[*values, "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.PB_IDEA_EDITED,
        subject=project,
        agency=project.process.agency,
        extra={"changed": changed},
    )
    return project


@transaction.atomic
def idea_withdraw(*, actor: Any, project: Project) -> Project:
    """The author withdraws their idea while ideas are open: it leaves the public list."""
    project = _lock_own(actor, project, "withdraw")
    _ideas_open(project.process)
    project.status = ProjectStatus.WITHDRAWN
    project.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=AuditAction.PB_IDEA_WITHDRAWN, subject=project, agency=project.process.agency)
    return project


def photo_add(*, actor: Any, project: Project, photo: PhotoUpload) -> ProjectPhoto:
    """The author adds a photo to their idea while ideas are open (at most ``conf.photos_per_idea()``)."""
    project = Project.objects.select_related("process").get(pk=project.pk)
    if not project_policy.can_for(actor, "edit", project):
        raise PermissionDenied
    _ideas_open(project.process)
    return _with_stored_photos([photo], lambda stored: _photo_add(actor, project, stored))[0]


@transaction.atomic
def _photo_add(actor: Any, project: Project, stored) -> list[ProjectPhoto]:
    project = _lock_own(actor, project, "edit")
    _ideas_open(project.process)
    return _record_photos(actor, project, stored)


# --- support -----------------------------------------------------------------------------


def _lock_for_support(actor: Any, project: Project) -> Project:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    locked = Project.objects.select_for_update(of=("self",)).select_related("process__agency").get(pk=project.pk)
    if locked.author_id == actor.pk:
        raise ValidationError({"__all__": _("You cannot support your own idea")})
    if not project_policy.can_for(actor, "support", locked):
        raise ValidationError({"__all__": _("This idea cannot be supported")})
    _ideas_open(locked.process)
    return locked


@transaction.atomic
def idea_support(*, actor: Any, project: Project) -> bool:
    """*actor* supports an idea (once) while ideas are open. Returns False when they already did
    (nothing changes, nothing is audited)."""
    project = _lock_for_support(actor, project)
    try:
        with transaction.atomic():
            Support.objects.create(project=project, user=actor)
    except IntegrityError:
        return False
    Project.objects.filter(pk=project.pk).update(support_count=F("support_count") + 1)
    audit_record(actor=actor, action=AuditAction.PB_IDEA_SUPPORTED, subject=project, agency=project.process.agency)
    return True


@transaction.atomic
def idea_unsupport(*, actor: Any, project: Project) -> bool:
    """*actor* takes their support back while ideas are open. Returns False when they had none."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    project = Project.objects.select_for_update(of=("self",)).select_related("process__agency").get(pk=project.pk)
    _ideas_open(project.process)
    deleted, _rows = Support.objects.filter(project=project, user=actor).delete()
    if not deleted:
        return False
    Project.objects.filter(pk=project.pk).update(support_count=F("support_count") - 1)
    audit_record(actor=actor, action=AuditAction.PB_IDEA_UNSUPPORTED, subject=project, agency=project.process.agency)
    return True


# --- review ------------------------------------------------------------------------------


def _lock_for_review(actor: Any, projects: list[Project]) -> list[Project]:
    """Lock *projects* (in id order: two reviewers never wait on each other in a circle) and check
    *actor* may review each one (staff of its agency, not its author)."""
    ids = sorted({p.pk for p in projects})
    locked = {
        p.pk: p
        for p in Project.objects.select_for_update(of=("self",))
        .select_related("process__agency", "budget__area", "author")
        .filter(pk__in=ids)
        .order_by("pk")
    }
    if len(locked) != len(ids):
        raise PermissionDenied
    reviewable = set(project_policy.scope(actor, "review").filter(pk__in=ids).values_list("pk", flat=True))
    if reviewable != set(ids):
        raise PermissionDenied
    for project in locked.values():
        _before_voting(project.process)
    return [locked[p.pk] for p in projects]


def _reviewed(project: Project, actor: Any, status: str, **fields) -> None:
    project.status, project.reviewed_by, project.reviewed_at = status, actor, timezone.now()
    for name, value in fields.items():
        setattr(project, name, value)
    project.save(update_fields=["status", "reviewed_by", "reviewed_at", *fields, "updated_at"])


def _tell_author(project: Project, kind: str, context: dict[str, Any]) -> None:
    if project.author is None:
        return
    notify(
        user=project.author,
        subject_template=f"budgeting/email/idea_{kind}_subject.txt",
        body_template=f"budgeting/email/idea_{kind}_body.txt",
        context={"project": project, "process": project.process, **context},
        url=reverse("budgeting:project", args=[project.pk]),
    )


@transaction.atomic
def idea_accept(*, actor: Any, project: Project, official_cost: int | None) -> Project:
    """Staff put an idea on the ballot with its official cost (1 to the budget's amount), before
    voting opens. Its author is told."""
    (project,) = _lock_for_review(actor, [project])
    amount = Budget.objects.get(pk=project.budget_id).amount
    if official_cost is None or not 1 <= official_cost <= amount:
        raise ValidationError(
            {
                "official_cost": _("Enter the official cost, a whole number from 1 to the budget, %(amount)s")
                % {"amount": whole_money(amount)}
            }
        )
    _reviewed(project, actor, ProjectStatus.ACCEPTED, official_cost=official_cost, review_note="")
    _tell_author(project, "accepted", {})
    audit_record(
        actor=actor,
        action=AuditAction.PB_IDEA_ACCEPTED,
        subject=project,
        agency=project.process.agency,
        extra={"official_cost": official_cost},
    )
    return project


@transaction.atomic
def idea_reject(*, actor: Any, project: Project, reason: str) -> Project:
    """Staff keep an idea off the ballot, with a reason shown on its page and sent to its author."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Enter the reason, which the author and the public will see")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": _("The reason must be %(n)s characters or fewer") % {"n": REASON_MAX_LENGTH}})
    (project,) = _lock_for_review(actor, [project])
    _reviewed(project, actor, ProjectStatus.REJECTED, review_note=reason, official_cost=None)
    _tell_author(project, "rejected", {"reason": reason})
    audit_record(actor=actor, action=AuditAction.PB_IDEA_REJECTED, subject=project, agency=project.process.agency)
    return project


@transaction.atomic
def idea_merge(*, actor: Any, projects: Sequence[Project], into: Project) -> Project:
    """Staff merge similar ideas of one budget into *into*: each merged idea points to it, its
    supports move over (someone who supported both counts once), and its author is told.

    *into* must be waiting for review or accepted; the merged ideas must be reviewable.
    """
    if not projects or any(p.pk == into.pk for p in projects):
        raise ValidationError({"into": _("Select another idea to merge this one into")})
    locked = _lock_for_review(actor, [*projects, into])
    *sources, target = locked
    if target.status not in (ProjectStatus.PROPOSED, ProjectStatus.ACCEPTED):
        raise ValidationError({"into": _("An idea can only be merged into one waiting for review or on the ballot")})
    if any(s.budget_id != target.budget_id for s in sources):
        raise ValidationError({"into": _("Only ideas for the same budget can be merged")})
    already = Support.objects.filter(project=target).values("user_id")
    for source in sources:
        moving = Support.objects.filter(project=source).exclude(user_id__in=already)
        if target.author_id is not None:
            moving = moving.exclude(user_id=target.author_id)
        moved = moving.update(project=target)
        Support.objects.filter(project=source).delete()
        _reviewed(source, actor, ProjectStatus.MERGED, merged_into=target, support_count=0, official_cost=None)
        _tell_author(source, "merged", {"into": target})
        audit_record(
            actor=actor,
            action=AuditAction.PB_IDEA_MERGED,
            subject=source,
            agency=source.process.agency,
            extra={"into": target.pk, "supports_moved": moved},
        )
    # Recounted from the rows, under the lock on the target: exact whatever moved.
    target.support_count = Support.objects.filter(project=target).count()
    target.save(update_fields=["support_count", "updated_at"])
    return target

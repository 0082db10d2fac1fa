"""Writes to petitions. Each function: one transaction, the actor passed in, one audit row.

Errors people can fix raise ``ValidationError`` with a dict of field names; nothing is saved
when one is raised. Emails and tasks go out once the transaction commits.

Counting: a signature that starts to count adds one to a :class:`SignatureCount` row chosen at
random among the petition's shards for its district (an ``INSERT ... ON CONFLICT DO UPDATE``), and
one that stops counting takes one away, in the same transaction as the signature's change. So the
count is exact, and concurrent signers wait on one another only when they pick the same shard.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import logging
import random
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from ecitizen.accounts.models import IdentityLevel
from ecitizen.accounts.selectors import identity_level_for, primary_email_confirmed, signer_details_for
from ecitizen.agencies.models import Agency
from ecitizen.core import context
from ecitizen.core.addresses import normalise_postcode, postcode_looks_valid
from ecitizen.core.audit import audit_insert_sql, audit_record
from ecitizen.core.models import AuditAction
from ecitizen.core.site import absolute_url
from ecitizen.engagement.discussions.services import followers_notify
from ecitizen.engagement.petitions import abuse, conf
from ecitizen.engagement.petitions.models import (
    ACTION_MAX_LENGTH,
    ACTIVE_STATES,
    BACKGROUND_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    RESPONSE_EMAIL_MAX_ATTEMPTS,
    RESPONSE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    FlagReason,
    Petition,
    RejectionReason,
    RemovalReason,
    ResponseEmail,
    Signature,
    SignatureCount,
    SignatureState,
    Sponsor,
    Status,
)
from ecitizen.engagement.petitions.policies import petition_policy
from ecitizen.engagement.petitions.selectors import removed_counts, signature_count
from ecitizen.exchange.selectors import district_for_postcode, district_for_postcode_sql
from ecitizen.ledger.services import ledger_record
from ecitizen.notifications.services import notify

NAME_MAX_LENGTH = 120
# The address an account's signature is kept under when the account has no confirmed address
# ("account-<id>@" this domain): reserved for documentation, it reaches nobody.
PLACEHOLDER_DOMAIN = "accounts.invalid"
# A response email the mail server refused is tried again after 5, 10, 20 ... minutes (at most
# RESPONSE_EMAIL_MAX_DELAY apart), RESPONSE_EMAIL_MAX_ATTEMPTS (models) times in all.
RESPONSE_EMAIL_FIRST_DELAY = datetime.timedelta(minutes=5)
RESPONSE_EMAIL_MAX_DELAY = datetime.timedelta(hours=6)
# How long a sender's claim on an email holds: after a crash between sending and recording it,
# the email is sent again once this is over.
RESPONSE_EMAIL_LEASE = datetime.timedelta(minutes=10)

logger = logging.getLogger(__name__)


# --- helpers -----------------------------------------------------------------------------


def _render(subject_template: str, body_template: str, context_: dict[str, Any]) -> tuple[str, str]:
    subject = " ".join(render_to_string(subject_template, context_).split())
    return subject, render_to_string(body_template, context_).strip() + "\n"


def _send(
    *,
    to: str,
    subject_template: str,
    body_template: str,
    context_: dict[str, Any],
    rendered: tuple[str, str] | None = None,
) -> None:
    """Render an email now (in the active language), unless *rendered* gives its subject and
    body already, and send it once the transaction commits."""
    subject, body = rendered or _render(subject_template, body_template, context_)
    # A function, not functools.partial: Django logs a failed robust callback by its __qualname__.
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to]), robust=True)


def _add_to_count(petition_id: int, district: str, delta: int) -> None:
    """Add *delta* to one of the petition's counter rows for *district* (made if missing)."""
    table = SignatureCount._meta.db_table
    shard = random.randrange(conf.counter_shards())  # noqa: S311 (spreading load, not a secret)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (petition_id, shard, district, signatures) VALUES (%s, %s, %s, %s) "  # noqa: S608
            "ON CONFLICT (petition_id, shard, district) DO UPDATE SET signatures = "
            f"{table}.signatures + excluded.signatures",
            [petition_id, shard, district or "", delta],
        )


def _count_while_open(petition_id: int, district: str, delta: int) -> tuple[Petition, int]:
    """Add *delta* to the count (as :func:`_add_to_count`) of a petition that must still be open
    (as :func:`_still_open`) and answer it with its count after the change. On PostgreSQL this is
    one statement: the counter's upsert in a ``WITH`` and a read of the petition's status, its
    thresholds and the sum of its counter rows (which the statement sees as they were before its
    own upsert, hence ``+ delta``). Raises ``ValidationError`` (and the transaction is rolled back)
    when the petition is not open."""
    if connection.vendor != "postgresql":
        current = _still_open(petition_id)
        _add_to_count(petition_id, district, delta)
        return current, signature_count(petition_id)
    counts, petitions = SignatureCount._meta.db_table, Petition._meta.db_table
    shard = random.randrange(conf.counter_shards())  # noqa: S311 (spreading load, not a secret)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH up AS (INSERT INTO {counts} (petition_id, shard, district, signatures) "  # noqa: S608
            "VALUES (%s, %s, %s, %s) ON CONFLICT (petition_id, shard, district) DO UPDATE SET "
            f"signatures = {counts}.signatures + excluded.signatures RETURNING 1) "
            "SELECT p.status, p.response_threshold_at, p.debate_threshold_at, "
            f"COALESCE((SELECT SUM(c.signatures) FROM {counts} c WHERE c.petition_id = p.id), 0), "
            f"(SELECT COUNT(*) FROM up) FROM {petitions} p WHERE p.id = %s",
            [petition_id, shard, district or "", delta, petition_id],
        )
        row = cursor.fetchone()
    if row is None or row[0] != Status.OPEN:
        raise ValidationError({"petition": _("This petition is not open for signatures.")})
    current = Petition(pk=petition_id, status=row[0], response_threshold_at=row[1], debate_threshold_at=row[2])
    return current, int(row[3]) + delta


def _mark_thresholds(petition: Petition, count: int | None = None) -> None:
    """Record when the petition reached each threshold (once per crossing, whoever gets there
    first; :func:`_clear_thresholds` undoes a mark the count fell back from)."""
    if petition.response_threshold_at and petition.debate_threshold_at:
        return
    count = signature_count(petition.pk) if count is None else count
    now = timezone.now()
    if count >= conf.response_threshold() and not petition.response_threshold_at:
        Petition.objects.filter(pk=petition.pk, response_threshold_at__isnull=True).update(response_threshold_at=now)
    if count >= conf.debate_threshold() and not petition.debate_threshold_at:
        Petition.objects.filter(pk=petition.pk, debate_threshold_at__isnull=True).update(debate_threshold_at=now)


def _count_expression() -> Coalesce:
    """The petition's count (the sum of its counter rows) as an expression on ``Petition``."""
    rows = (
        SignatureCount.objects.filter(petition=OuterRef("pk"))
        .values("petition")
        .annotate(n=Sum("signatures"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


# Threshold -> (its setting, the field that says the agency acted on it).
THRESHOLDS = {
    "response": (conf.response_threshold, "responded_at"),
    "debate": (conf.debate_threshold, "debate_scheduled_at"),
}


def _clear_thresholds(petition: Petition, *, actor: Any) -> list[str]:
    """After signatures stopped counting (removed by a moderator, withdrawn): clear each threshold
    mark the count has fallen back below, unless the agency has acted on it (responded, for the
    response; scheduled the debate, for the debate). The petition then waits for that threshold
    again, and :func:`_mark_thresholds` marks it anew when the count gets back there.

    One conditional UPDATE per threshold that reads the count in the same statement, so that a
    mark is never cleared against a count that committed signatures hold at or above it. A race
    with a signer confirming at the same moment can leave a mark wrong either way; the sweep
    (:func:`_reconcile_thresholds`) puts it right. Audited (one row naming what was cleared).
    Returns the thresholds cleared: "response", "debate".
    """
    now = timezone.now()
    cleared = []
    for kind, (threshold, acted) in THRESHOLDS.items():
        changed = (
            Petition.objects.filter(pk=petition.pk, **{f"{kind}_threshold_at__isnull": False, f"{acted}__isnull": True})
            .alias(n=_count_expression())
            .filter(n__lt=threshold())
            .update(**{f"{kind}_threshold_at": None, f"{kind}_threshold_cleared_at": now})
        )
        if changed:
            cleared.append(kind)
    if cleared:
        audit_record(
            actor=actor,
            action=AuditAction.PETITION_THRESHOLD_CLEARED,
            subject=petition,
            agency=petition.agency,
            extra={"thresholds": cleared, "signatures": signature_count(petition.pk)},
        )
    return cleared


def _reconcile_thresholds() -> int:
    """Put right the threshold marks of published petitions that a race left wrong: mark those the
    count has reached, clear those it has fallen back below (see :func:`_clear_thresholds`).
    Returns how many petitions had a mark cleared."""
    for petition in Petition.objects.filter(status=Status.OPEN).filter(
        Q(response_threshold_at__isnull=True) | Q(debate_threshold_at__isnull=True)
    ):
        _mark_thresholds(petition)
    fell_back = Q()
    for kind, (threshold, acted) in THRESHOLDS.items():
        fell_back |= Q(**{f"{kind}_threshold_at__isnull": False, f"{acted}__isnull": True, "n__lt": threshold()})
    stale = Petition.objects.filter(status__in=(Status.OPEN, Status.CLOSED)).alias(n=_count_expression())
    cleared = 0
    for petition in stale.filter(fell_back).select_related("agency"):
        with transaction.atomic():
            cleared += bool(_clear_thresholds(petition, actor=None))
    return cleared


def _still_open(petition_id: int) -> Petition:
    """The petition's status and thresholds as they are now; refuses the change unless it is open.

    Called after the signature's row is written: on PostgreSQL that insert holds a share lock on
    the petition's row (its foreign key), so closing (which locks that row for update) waits for
    this transaction, and this read sees a closing that committed before it.
    """
    current = (
        Petition.objects.filter(pk=petition_id)
        .only("pk", "status", "response_threshold_at", "debate_threshold_at")
        .first()
    )
    if current is None or current.status != Status.OPEN:
        raise ValidationError({"petition": _("This petition is not open for signatures.")})
    return current


def _clean_text(value: str, field: str, label: str, max_length: int, errors: dict[str, str]) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = _("Enter %(label)s") % {"label": label}
    elif len(value) > max_length:
        errors[field] = _("%(label)s must be %(n)s characters or fewer") % {
            "label": label.capitalize(),
            "n": max_length,
        }
    return value


def _clean_email(value: str) -> str:
    return (value or "").strip().lower()


def signer_address(value: str) -> str:
    """The address a signature is kept under: lower case, without a "+tag" in the part before
    the "@" (``name+1@example.org`` and ``name+2@example.org`` reach one mailbox, one person)."""
    address = _clean_email(value)
    local, at, domain = address.rpartition("@")
    if at and "+" in local and local.split("+", 1)[0]:
        address = f"{local.split('+', 1)[0]}@{domain}"
    return address


def _district_of(postcode: str) -> str:
    return district_for_postcode(postcode)[:100] if postcode else ""


def confirm_url(signature: Signature) -> str:
    return absolute_url(reverse("petitions:confirm", args=[signature.token]))


def withdraw_url(signature: Signature) -> str:
    return absolute_url(reverse("petitions:withdraw_email", args=[signature.token]))


def _ip() -> str | None:
    return context.current().ip or None


# --- starting a petition -----------------------------------------------------------------


def validate_petition(*, title: str, action: str, background: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    _clean_text(title, "title", _("a title"), TITLE_MAX_LENGTH, errors)
    _clean_text(action, "action", _("what the petition asks for"), ACTION_MAX_LENGTH, errors)
    _clean_text(background, "background", _("why"), BACKGROUND_MAX_LENGTH, errors)
    return errors


def validate_sponsor_emails(emails: list[str], *, author_email: str) -> tuple[list[str], str]:
    """The addresses, cleaned, and an error message ("" when they are fine)."""
    cleaned = [_clean_email(e) for e in emails if (e or "").strip()]
    wanted = conf.sponsors_required()
    for email in cleaned:
        try:
            validate_email(email)
        except ValidationError:
            return cleaned, _("Enter email addresses in the correct format, like name@example.com")
    if len(set(cleaned)) != len(cleaned):
        return cleaned, _("Enter a different email address for each supporter")
    if author_email and author_email.lower() in cleaned:
        return cleaned, _("Your supporters must be other people: do not enter your own email address")
    if len(cleaned) < wanted:
        return cleaned, _("Enter the email addresses of %(n)s supporters") % {"n": wanted}
    return cleaned, ""


def may_start(user: Any) -> bool:
    return bool(user.is_authenticated) and identity_level_for(user) == IdentityLevel.VERIFIED


@transaction.atomic
def petition_create(
    *,
    actor: Any,
    agency: Agency,
    title: str,
    action: str,
    background: str,
    sponsor_emails: list[str],
    create_token: uuid.UUID,
) -> Petition:
    """Start a petition and email a link to each supporter the author named.

    Sending the same *create_token* again answers the petition already made (a double click).
    Only a citizen whose identity is verified may start one.
    """
    existing = Petition.objects.filter(create_token=create_token).first()
    if existing is not None:
        if existing.author_id != getattr(actor, "pk", None):
            raise PermissionDenied
        return existing
    if not may_start(actor):
        raise PermissionDenied(_("Only people who have verified their identity can start a petition."))
    errors = validate_petition(title=title, action=action, background=background)
    if agency is None or not agency.is_active:
        errors["agency"] = _("Select the agency responsible")
    emails, email_error = validate_sponsor_emails(sponsor_emails, author_email=actor.email)
    if email_error:
        errors["sponsors"] = email_error
    if errors:
        raise ValidationError(errors)
    petition = Petition.objects.create(
        author=actor,
        agency=agency,
        title=title.strip(),
        action=action.strip(),
        background=background.strip(),
        create_token=create_token,
    )
    sponsors = Sponsor.objects.bulk_create([Sponsor(petition=petition, email=e) for e in emails])
    for sponsor in sponsors:
        _send(
            to=sponsor.email,
            subject_template="petitions/email/sponsor_subject.txt",
            body_template="petitions/email/sponsor_body.txt",
            context_={
                "petition": petition,
                "author_name": actor.get_full_name() or actor.email,
                "link": absolute_url(reverse("petitions:sponsor", args=[sponsor.token])),
                "PLATFORM_NAME": settings.PLATFORM_NAME,
            },
        )
    audit_record(actor=actor, action=AuditAction.PETITION_CREATED, subject=petition, agency=agency)
    return petition


@transaction.atomic
def petition_update(*, actor: Any, petition: Petition, title: str, action: str, background: str) -> Petition:
    """Change the words of a petition still gathering supporters (only its author, and only before
    any supporter has confirmed: they support what they read)."""
    petition = Petition.objects.select_for_update().get(pk=petition.pk)
    if petition.author_id != actor.pk or petition.status != Status.SPONSORS:
        raise PermissionDenied
    if petition.sponsors.filter(confirmed_at__isnull=False).exists():
        raise ValidationError({"title": _("You cannot change the petition once a supporter has confirmed it.")})
    errors = validate_petition(title=title, action=action, background=background)
    if errors:
        raise ValidationError(errors)
    petition.title, petition.action, petition.background = title.strip(), action.strip(), background.strip()
    petition.save(update_fields=["title", "action", "background", "updated_at"])
    audit_record(actor=actor, action=AuditAction.PETITION_UPDATED, subject=petition, agency=petition.agency)
    return petition


def sponsor_for_token(token: str) -> Sponsor | None:
    return Sponsor.objects.select_related("petition", "petition__agency").filter(token=str(token)[:32]).first()


@transaction.atomic
def sponsor_confirm(*, actor: Any, sponsor: Sponsor) -> Sponsor:
    """*actor* (signed in, holding the link emailed to a supporter) supports the petition.

    When this is the last supporter needed, the petition goes to moderation (the audit row is then
    "sent for moderation"). Confirming again changes nothing.
    """
    if not actor.is_authenticated:
        raise PermissionDenied
    sponsor = Sponsor.objects.select_for_update().get(pk=sponsor.pk)
    petition = Petition.objects.select_for_update().select_related("agency").get(pk=sponsor.petition_id)
    if sponsor.confirmed_at is not None:
        if sponsor.user_id != actor.pk:
            raise ValidationError({"sponsor": _("Someone has already used this link.")})
        return sponsor
    if petition.status != Status.SPONSORS:
        raise ValidationError({"sponsor": _("This petition no longer needs supporters.")})
    if petition.author_id == actor.pk:
        raise ValidationError({"sponsor": _("You cannot support your own petition.")})
    if petition.sponsors.filter(user=actor).exists():
        raise ValidationError({"sponsor": _("You already support this petition.")})
    # The link went to one address: only the account that has confirmed that address may use it
    # (else the author, or anyone the link reaches, could stand in for six people).
    if _clean_email(actor.email) != sponsor.email or not primary_email_confirmed(actor):
        raise ValidationError(
            {
                "sponsor": _(
                    "This link was sent to another email address. Sign in with the account that uses "
                    "the address the link was sent to, and confirm that address first."
                )
            }
        )
    now = timezone.now()
    sponsor.user, sponsor.confirmed_at = actor, now
    sponsor.save(update_fields=["user", "confirmed_at"])
    confirmed = petition.sponsors.filter(confirmed_at__isnull=False).count()
    if confirmed >= conf.sponsors_required():
        petition.status, petition.submitted_at = Status.MODERATION, now
        petition.save(update_fields=["status", "submitted_at", "updated_at"])
        notify(
            user=petition.author,
            subject_template="petitions/notify/submitted_subject.txt",
            body_template="petitions/notify/submitted_body.txt",
            context={"petition": petition},
            url=reverse("petitions:detail", args=[petition.pk]),
        )
        action = AuditAction.PETITION_SUBMITTED
    else:
        action = AuditAction.PETITION_SPONSOR_CONFIRMED
    audit_record(actor=actor, action=action, subject=petition, agency=petition.agency, extra={"sponsor": sponsor.pk})
    return sponsor


# --- moderation --------------------------------------------------------------------------


def closing_instant(opened_at: datetime.datetime) -> datetime.datetime:
    """When a petition published at *opened_at* stops taking signatures: at the end of the local
    day (settings.TIME_ZONE) ``PETITION_OPEN_DAYS`` days after the day it opened, that is at the
    start of the next local day, as consultations close. Pages show that last day
    (``Petition.closes_on``)."""
    zone = timezone.get_default_timezone()
    last_day = timezone.localtime(opened_at, zone).date() + datetime.timedelta(days=conf.open_days())
    next_day = datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time.min)
    return timezone.make_aware(next_day, zone)


def _lock_for_staff(actor: Any, petition: Petition, action: str) -> Petition:
    locked = Petition.objects.select_for_update().select_related("agency", "author").get(pk=petition.pk)
    if not petition_policy.can_for(actor, action, locked):
        raise PermissionDenied
    return locked


def _account_signature(
    petition: Petition, user: Any, *, now: datetime.datetime, district: bool = True
) -> tuple[Signature, str]:
    """The signature *user*'s account makes: the name and postcode from their profile, and the
    district of that postcode (unless *district* is False: the caller finds it in SQL). With it,
    the address the account claims but has not confirmed ("" when none).

    It is kept under the account's address only when they have confirmed it: an address nobody
    proved is theirs (an account opened at a counter, say) must not stop its real owner signing by
    email. Otherwise under a placeholder that is the account's alone.
    """
    name, postcode, email_confirmed = signer_details_for(user)  # one read
    postcode = normalise_postcode(postcode)
    claimed = "" if email_confirmed else signer_address(user.email or "")
    email = ("" if claimed else signer_address(user.email or "")) or f"account-{user.pk}@{PLACEHOLDER_DOMAIN}"
    signature = Signature(
        petition=petition,
        user=user,
        name=(name or email.split("@")[0])[:NAME_MAX_LENGTH],
        email=email,
        email_domain=abuse.email_domain(email),
        postcode=postcode[:12],
        district=_district_of(postcode) if district else "",
        state=SignatureState.COUNTED,
        confirmed_at=now,
    )
    return signature, claimed


@transaction.atomic
def petition_publish(*, actor: Any, petition: Petition) -> Petition:
    """A moderator of the responsible agency opens the petition for signatures, for the set period
    (:func:`closing_instant`).

    Its author and supporters are its first signatures.
    """
    petition = _lock_for_staff(actor, petition, "moderate")
    now = timezone.now()
    petition.status, petition.moderated_at, petition.opened_at = Status.OPEN, now, now
    petition.closes_at = closing_instant(now)
    petition.save(update_fields=["status", "moderated_at", "opened_at", "closes_at", "updated_at"])
    people = [petition.author] + [s.user for s in petition.sponsors.filter(user__isnull=False).select_related("user")]
    signatures = Signature.objects.bulk_create([_account_signature(petition, p, now=now)[0] for p in people])
    for signature in signatures:
        _add_to_count(petition.pk, signature.district, 1)
    notify(
        user=petition.author,
        subject_template="petitions/notify/published_subject.txt",
        body_template="petitions/notify/published_body.txt",
        context={"petition": petition},
        url=reverse("petitions:detail", args=[petition.pk]),
    )
    audit_record(actor=actor, action=AuditAction.PETITION_PUBLISHED, subject=petition, agency=petition.agency)
    return petition


@transaction.atomic
def petition_reject(*, actor: Any, petition: Petition, reason: str, note: str = "") -> Petition:
    """A moderator rejects the petition with a reason from the list (and a note); its author is told."""
    if reason not in RejectionReason.values:
        raise ValidationError({"reason": _("Select a reason")})
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": _("The note must be %(n)s characters or fewer") % {"n": NOTE_MAX_LENGTH}})
    petition = _lock_for_staff(actor, petition, "moderate")
    petition.status, petition.moderated_at = Status.REJECTED, timezone.now()
    petition.rejection_reason, petition.rejection_note = reason, note
    petition.save(update_fields=["status", "moderated_at", "rejection_reason", "rejection_note", "updated_at"])
    notify(
        user=petition.author,
        subject_template="petitions/notify/rejected_subject.txt",
        body_template="petitions/notify/rejected_body.txt",
        context={"petition": petition, "reason": RejectionReason(reason).label, "note": note},
        url=reverse("petitions:detail", args=[petition.pk]),
    )
    audit_record(
        actor=actor,
        action=AuditAction.PETITION_REJECTED,
        subject=petition,
        agency=petition.agency,
        extra={"reason": reason},
    )
    return petition


# --- signing -----------------------------------------------------------------------------


def _hold_open(petition_id: int) -> None:
    """Refuse the change unless the petition is open, and keep it open until this transaction ends.

    On PostgreSQL the petition's row is read ``FOR KEY SHARE``: signers do not wait on one another,
    but a closing (which locks the row ``FOR UPDATE``) waits for this transaction, so its final
    count includes this change; and a closing already under way makes this wait, then see it
    closed. Other databases lock the whole database for a write transaction anyway.
    """
    if connection.vendor != "postgresql":
        _still_open(petition_id)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status FROM {Petition._meta.db_table} WHERE id = %s FOR KEY SHARE",  # noqa: S608
            [petition_id],
        )
        row = cursor.fetchone()
    if row is None or row[0] != Status.OPEN:
        raise ValidationError({"petition": _("This petition is not open for signatures.")})


def _open_petition(petition: Petition) -> Petition:
    current = Petition.objects.filter(pk=petition.pk).only("pk", "status", "agency_id").first()
    if current is None or current.status != Status.OPEN:
        raise ValidationError({"petition": _("This petition is not open for signatures.")})
    return petition


def _flag_sql(signature: Signature) -> tuple[str, list[Any]]:
    """The SQL expression (and its parameters) that computes :func:`abuse.flag_for` inside the
    signature's INSERT, so that the burst checks cost no round trip of their own."""
    if abuse.is_disposable(signature.email_domain):
        return "%s", [str(FlagReason.DISPOSABLE)]
    table = Signature._meta.db_table
    since = timezone.now() - datetime.timedelta(minutes=conf.burst_window_minutes())
    cases, params = [], []
    for column, value, limit, reason in (
        ("ip", signature.ip, conf.burst_ip_limit(), FlagReason.BURST_IP),
        ("email_domain", signature.email_domain, conf.burst_domain_limit(), FlagReason.BURST_DOMAIN),
    ):
        if not value or (column == "email_domain" and value in conf.common_email_domains()):
            continue
        cases.append(
            f"WHEN (SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE petition_id = %s AND created_at >= %s "  # noqa: S608
            f"AND {column} = %s LIMIT %s) recent) >= %s THEN %s"
        )
        params += [signature.petition_id, since, value, limit, limit, str(reason)]
    if not cases:
        return "%s", [""]
    return f"CASE {' '.join(cases)} ELSE '' END", params


def _insert_unless_signed(signature: Signature) -> bool:
    """Insert *signature* unless a unique constraint (this account or address has an active
    signature) forbids it; False then. One ``INSERT ... ON CONFLICT DO NOTHING RETURNING``: no
    savepoint, and a conflict does not abort the transaction. On PostgreSQL the abuse checks
    (:func:`abuse.flag_for`) run inside the same statement; elsewhere they are a query before it."""
    fields = [f for f in Signature._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    if connection.vendor == "postgresql":
        others = [f for f in fields if f.name != "flag"]
        flag_expr, flag_params = _flag_sql(signature)
        values = [f.get_db_prep_save(f.pre_save(signature, True), connection) for f in others]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in [*others, Signature._meta.get_field("flag")])
        sql = (
            f"INSERT INTO {Signature._meta.db_table} ({columns}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(others))}, {flag_expr}) "
            "ON CONFLICT DO NOTHING RETURNING id, flag"
        )
        params = [*values, *flag_params]
    else:
        signature.flag = abuse.flag_for(
            petition_id=signature.petition_id, email_domain=signature.email_domain, ip=signature.ip
        )
        values = [f.get_db_prep_save(f.pre_save(signature, True), connection) for f in fields]
        sql = (
            f"INSERT INTO {Signature._meta.db_table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "  # noqa: S608
            "ON CONFLICT DO NOTHING RETURNING id, flag"
        )
        params = values
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    signature.pk, signature.flag = row[0], row[1]
    signature._state.adding, signature._state.db = False, connection.alias
    return True


def _replace_email_signature(actor: Any, petition: Petition, mine: Signature, *, now: datetime.datetime) -> Signature:
    """The account's signature could not be added because the account or its address has signed.

    When the earlier one was by email from the address the account has confirmed, it is the same
    person: the earlier signature becomes the account's (counted once). Otherwise they have signed.
    """
    earlier = (
        Signature.objects.select_for_update()
        .filter(petition=petition, state__in=ACTIVE_STATES)
        .filter(Q(user=actor) | Q(email=mine.email))
        .first()
    )
    if earlier is None or earlier.user_id is not None or not primary_email_confirmed(actor):
        raise ValidationError({"petition": _("You have already signed this petition.")})
    if earlier.state == SignatureState.COUNTED:
        _add_to_count(petition.pk, earlier.district, -1)
    earlier.user, earlier.name, earlier.replaced_email = actor, mine.name, True
    earlier.postcode, earlier.district = mine.postcode or earlier.postcode, mine.district or earlier.district
    earlier.state, earlier.confirmed_at = SignatureState.COUNTED, earlier.confirmed_at or now
    earlier.save(update_fields=["user", "name", "replaced_email", "postcode", "district", "state", "confirmed_at"])
    return earlier


def _sign_in_one_statement(signature: Signature, *, actor: Any, petition: Petition) -> tuple[Petition, int] | None:
    """PostgreSQL: write an account's *signature* with everything that goes with it in one
    statement (a data-modifying ``WITH``): the signature's row, with the district of its postcode
    and its abuse flag (:func:`_flag_sql`) computed in SQL, one more on a counter row, and the
    audit row. Nothing is written unless the petition is open and the account and its address
    have no active signature.

    Returns the petition (its thresholds) and its count after this signature; None when the
    account or its address has signed already (nothing written: :func:`_replace_email_signature`
    decides). Raises ``ValidationError`` when the petition is not open.

    The petition's row is read ``FOR KEY SHARE``: a closing that holds it (``FOR UPDATE``) makes
    this statement wait, and READ COMMITTED then re-reads the row and finds it closed, so no
    signature lands after the final count. The count is read from the statement's snapshot plus
    this signature: it can lag behind signers committing at the same moment, which only delays
    marking a threshold to the next signature (and the closing sweep marks them too).
    """
    petitions, signatures, counts = (model._meta.db_table for model in (Petition, Signature, SignatureCount))
    fields = [f for f in Signature._meta.concrete_fields if not f.primary_key and f.name not in ("district", "flag")]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = [f.get_db_prep_save(f.pre_save(signature, True), connection) for f in fields]
    district_sql, district_params = district_for_postcode_sql(signature.postcode)
    flag_sql, flag_params = _flag_sql(signature)
    audit_sql, audit_params = audit_insert_sql(
        actor=actor,
        action=AuditAction.PETITION_SIGNED,
        subject=petition,
        subject_user=actor,
        extra_sql="jsonb_build_object('signature', sig.id)",
        extra_params=[],
        source="sig",
    )
    shard = random.randrange(conf.counter_shards())  # noqa: S311 (spreading load, not a secret)
    sql = (
        f"WITH pet AS (SELECT id, response_threshold_at, debate_threshold_at FROM {petitions} "  # noqa: S608
        "WHERE id = %s AND status = %s FOR KEY SHARE), "
        f"dist AS (SELECT LEFT({district_sql}, 100) AS name), "
        f"sig AS (INSERT INTO {signatures} ({columns}, district, flag) "
        f"SELECT {', '.join(['%s'] * len(values))}, dist.name, {flag_sql} FROM pet, dist WHERE TRUE "
        "ON CONFLICT DO NOTHING RETURNING id, flag, district), "
        f"up AS (INSERT INTO {counts} (petition_id, shard, district, signatures) SELECT %s, %s, sig.district, 1 "
        f"FROM sig ON CONFLICT (petition_id, shard, district) DO UPDATE SET signatures = {counts}.signatures + 1), "
        f"aud AS ({audit_sql}) "
        "SELECT pet.id, sig.id, sig.flag, sig.district, pet.response_threshold_at, pet.debate_threshold_at, "
        f"COALESCE((SELECT SUM(c.signatures) FROM {counts} c WHERE c.petition_id = %s), 0) "
        "FROM (SELECT 1) AS one LEFT JOIN pet ON TRUE LEFT JOIN sig ON TRUE"
    )
    params = [
        petition.pk,
        str(Status.OPEN),
        *district_params,
        *values,
        *flag_params,
        petition.pk,
        shard,
        *audit_params,
        petition.pk,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found, pk, flag, district, response_at, debate_at, before = cursor.fetchone()
    if found is None:
        raise ValidationError({"petition": _("This petition is not open for signatures.")})
    if pk is None:
        return None
    signature.pk, signature.flag, signature.district = pk, flag, district
    signature._state.adding, signature._state.db = False, connection.alias
    current = Petition(
        pk=petition.pk, status=Status.OPEN, response_threshold_at=response_at, debate_threshold_at=debate_at
    )
    return current, int(before) + 1


def signature_add(*, actor: Any, petition: Petition) -> Signature:
    """*actor*, signed in, signs the petition. It counts at once (their account proves who they are).

    One signature per account. An earlier signature by email from the account's own confirmed
    address becomes this one (a person, not an address, is counted). Raises ``ValidationError``
    when they have already signed.

    On PostgreSQL the usual case (they have not signed) is two statements and no more: reading who
    they are, then :func:`_sign_in_one_statement`, which writes everything or nothing and so needs
    no transaction of its own (outside one, it is its own: no BEGIN and COMMIT round trips). The
    rest is :func:`_signature_add_in_steps`, in a transaction.
    """
    if not actor.is_authenticated:
        raise PermissionDenied
    now = timezone.now()
    at_once = connection.vendor == "postgresql"
    signature, claimed = _account_signature(petition, actor, now=now, district=not at_once)
    if claimed and Signature.objects.filter(petition=petition, email=claimed, state__in=ACTIVE_STATES).exists():
        # The address may be theirs (then they have signed) or not (then it is not theirs to use).
        raise ValidationError(
            {
                "petition": _(
                    "Your email address has already signed this petition. Confirm your email address to "
                    "sign with your account instead."
                )
            }
        )
    signature.ip = _ip()
    if at_once:
        # Inside a caller's transaction, a savepoint: a failed statement then undoes only itself.
        with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
            signed = _sign_in_one_statement(signature, actor=actor, petition=petition)
        if signed is not None:
            # Marking a threshold is its own conditional UPDATE, once per threshold (the closing
            # sweep marks one too, should this be lost).
            _mark_thresholds(*signed)
            return signature
        signature.district = _district_of(signature.postcode)
    return _signature_add_in_steps(actor, petition, signature, now=now, inserted=False if at_once else None)


@transaction.atomic
def _signature_add_in_steps(
    actor: Any, petition: Petition, signature: Signature, *, now: datetime.datetime, inserted: bool | None
) -> Signature:
    """:func:`signature_add` as several statements in a transaction: on other databases, and on
    PostgreSQL when the account or its address has an active signature (*inserted* False)."""
    _hold_open(petition.pk)  # no signature lands after a closing's final count
    extra: dict[str, Any] = {}
    # Insert first and let the unique constraints say whether this person has signed: the usual
    # case (they have not) then costs no lookup, and two requests at once cannot both pass.
    if inserted is None:
        inserted = _insert_unless_signed(signature)
    if not inserted:
        signature = _replace_email_signature(actor, petition, signature, now=now)
        extra["replaced_email_signature"] = True
    current, count = _count_while_open(petition.pk, signature.district, 1)
    _mark_thresholds(current, count)
    audit_record(
        actor=actor,
        action=AuditAction.PETITION_SIGNED,
        subject=petition,
        subject_user=actor,
        extra={"signature": signature.pk, **extra},
    )
    return signature


@transaction.atomic
def signature_start_by_email(*, petition: Petition, name: str, email: str, postcode: str) -> Signature | None:
    """Someone not signed in signs with their name, email address and postcode.

    The signature counts once they follow the link emailed to them. Signing again with an address
    still waiting sends the link again; an address that has already signed is told so by email
    (this answers the same either way, so nobody learns who signed). Returns the signature waiting
    for confirmation, or None.
    """
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Enter your name")
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = _("Your name must be %(n)s characters or fewer") % {"n": NAME_MAX_LENGTH}
    email = _clean_email(email)
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _("Enter an email address in the correct format, like name@example.com")
    # One mailbox, one signature: "name+tag@" is kept (and written to) as "name@".
    email = signer_address(email)
    postcode = normalise_postcode(postcode)
    if not postcode:
        errors["postcode"] = _("Enter your postcode")
    elif not postcode_looks_valid(postcode):
        errors["postcode"] = _("Enter a real postcode")
    if errors:
        raise ValidationError(errors)
    _open_petition(petition)
    context_ = {"petition": petition, "PLATFORM_NAME": settings.PLATFORM_NAME}
    domain = abuse.email_domain(email)
    signature = Signature(
        petition=petition,
        name=name,
        email=email,
        email_domain=domain,
        postcode=postcode[:12],
        district=_district_of(postcode),
        state=SignatureState.PENDING,
        ip=_ip(),
        language=(translation.get_language() or settings.LANGUAGE_CODE)[:10],
    )
    # As for an account: insert, and look for the earlier signature only when the address has one.
    existing = None
    if not _insert_unless_signed(signature):
        signature = None
        existing = Signature.objects.filter(petition=petition, email=email, state__in=ACTIVE_STATES).first()
    if signature is None and existing is not None and existing.state == SignatureState.PENDING:
        signature = existing
    if signature is not None:
        _send(
            to=email,
            subject_template="petitions/email/confirm_subject.txt",
            body_template="petitions/email/confirm_body.txt",
            context_={**context_, "link": confirm_url(signature), "withdraw_link": withdraw_url(signature)},
        )
    else:
        _send(
            to=email,
            subject_template="petitions/email/already_subject.txt",
            body_template="petitions/email/already_body.txt",
            context_={**context_, "link": absolute_url(petition.get_absolute_url())},
        )
    audit_record(
        actor=None,
        action=AuditAction.PETITION_SIGNED,
        subject=petition,
        extra={"signature": signature.pk if signature else None, "by_email": True},
    )
    return signature


@transaction.atomic
def signatures_bulk_add(*, actor: Any, petition: Petition, people: list[tuple[str, str, str]]) -> int:
    """Add confirmed signatures ``(name, email, postcode)`` in one go (demo data, a migration from
    paper): the counter rows grow by the same numbers, so the count stays exact. Addresses that
    have already signed are skipped. One audit row. Returns how many were added."""
    _hold_open(petition.pk)  # none lands after a closing's final count
    now = timezone.now()
    taken = set(Signature.objects.filter(petition=petition, state__in=ACTIVE_STATES).values_list("email", flat=True))
    districts: dict[str, str] = {}
    rows = []
    for name, email, postcode in people:
        email, postcode = signer_address(email), normalise_postcode(postcode)
        if not email or email in taken:
            continue
        taken.add(email)
        if postcode not in districts:
            districts[postcode] = _district_of(postcode)
        rows.append(
            Signature(
                petition=petition,
                name=name[:NAME_MAX_LENGTH],
                email=email,
                email_domain=abuse.email_domain(email),
                postcode=postcode[:12],
                district=districts[postcode],
                state=SignatureState.COUNTED,
                confirmed_at=now,
            )
        )
    Signature.objects.bulk_create(rows, batch_size=2000)
    by_district: dict[str, int] = {}
    for row in rows:
        by_district[row.district] = by_district.get(row.district, 0) + 1
    for district, n in by_district.items():
        _add_to_count(petition.pk, district, n)
    _mark_thresholds(Petition.objects.get(pk=petition.pk))
    audit_record(
        actor=actor,
        action=AuditAction.PETITION_SIGNED,
        subject=petition,
        agency=petition.agency,
        extra={"bulk": len(rows)},
    )
    return len(rows)


def signature_for_token(token: str) -> Signature | None:
    return Signature.objects.select_related("petition").filter(token=str(token)[:32]).first()


@transaction.atomic
def signature_confirm(*, signature: Signature) -> Signature:
    """The signer followed the emailed link: their signature counts. Confirming again changes nothing."""
    # Lock the signature's row only: locking the petition's too would make every confirmation wait.
    signature = Signature.objects.select_for_update(of=("self",)).select_related("petition").get(pk=signature.pk)
    if signature.state == SignatureState.COUNTED:
        return signature
    if signature.state != SignatureState.PENDING:
        raise ValidationError({"signature": _("This signature has been withdrawn or removed.")})
    # _count_while_open refuses (and rolls back) when the petition is no longer open.
    _hold_open(signature.petition_id)
    now = timezone.now()
    signature.state, signature.confirmed_at = SignatureState.COUNTED, now
    signature.save(update_fields=["state", "confirmed_at"])
    current, count = _count_while_open(signature.petition_id, signature.district, 1)
    # Following the link proves this address is theirs. An account that signed while only
    # claiming it (its address unconfirmed, so it signed under a placeholder) is the same person,
    # or someone using their address: either way the address's owner is counted, once.
    claims = list(
        Signature.objects.select_for_update(of=("self",)).filter(
            petition_id=signature.petition_id,
            state=SignatureState.COUNTED,
            email__endswith=f"@{PLACEHOLDER_DOMAIN}",
            user__email__iexact=signature.email,
        )
    )
    for claim in claims:
        claim.state, claim.withdrawn_at = SignatureState.WITHDRAWN, now
        claim.save(update_fields=["state", "withdrawn_at"])
        _add_to_count(signature.petition_id, claim.district, -1)
    _mark_thresholds(current, count - len(claims))
    extra: dict[str, Any] = {"signature": signature.pk}
    if claims:
        extra["replaced_claims"] = [claim.pk for claim in claims]
    audit_record(
        actor=None,
        action=AuditAction.PETITION_SIGNATURE_CONFIRMED,
        subject=signature.petition,
        extra=extra,
    )
    return signature


@transaction.atomic
def signature_withdraw(*, actor: Any, signature: Signature) -> Signature:
    """Take a signature back while the petition is open: by its account (*actor*), or by whoever
    holds the signer's emailed link (*actor* None, the view checked the token)."""
    # The signature's row only (of=self): locking the petition's too, FOR UPDATE, would make
    # withdrawals wait on every signer and could deadlock with a confirmation.
    signature = Signature.objects.select_for_update(of=("self",)).select_related("petition").get(pk=signature.pk)
    if signature.user_id is not None and getattr(actor, "pk", None) != signature.user_id:
        raise PermissionDenied
    if signature.state not in ACTIVE_STATES:
        raise ValidationError({"signature": _("This signature has already been withdrawn or removed.")})
    _hold_open(signature.petition_id)
    counted = signature.state == SignatureState.COUNTED
    if counted:
        _add_to_count(signature.petition_id, signature.district, -1)
    signature.state, signature.withdrawn_at = SignatureState.WITHDRAWN, timezone.now()
    signature.save(update_fields=["state", "withdrawn_at"])
    audit_record(
        actor=actor,
        action=AuditAction.PETITION_SIGNATURE_WITHDRAWN,
        subject=signature.petition,
        extra={"signature": signature.pk},
    )
    if counted:
        _clear_thresholds(signature.petition, actor=actor)
    return signature


@transaction.atomic
def signature_review(*, actor: Any, signature: Signature, remove: bool, reason: str = "", note: str = "") -> Signature:
    """A moderator of the petition's agency keeps or removes a flagged signature.

    Removing needs a reason from the list (shown, counted, on the petition's page); a removed
    signature stops counting. After the petition has closed, its final count follows (one less,
    and a ``petition.recounted`` entry in the public log with the new count and the removed
    total). A threshold mark the count falls back below is cleared (:func:`_clear_thresholds`).
    """
    signature = Signature.objects.select_for_update().get(pk=signature.pk)
    petition = _lock_for_staff(actor, signature.petition, "review_signatures")
    if signature.user_id == actor.pk:
        raise PermissionDenied
    if signature.reviewed_at is not None:
        raise ValidationError({"signature": _("Someone has already reviewed this signature.")})
    note = (note or "").strip()[:300]
    uncounted = remove and signature.state == SignatureState.COUNTED
    if remove:
        if reason not in RemovalReason.values:
            raise ValidationError({"reason": _("Select why the signature is removed")})
        if signature.state not in ACTIVE_STATES:
            # A withdrawn signature no longer counts: removing it would add to the public count
            # of removed signatures one that was never taken away.
            raise ValidationError({"signature": _("This signature has been withdrawn: there is nothing to remove.")})
        if uncounted:
            _add_to_count(petition.pk, signature.district, -1)
        signature.state, signature.removal_reason = SignatureState.REMOVED, reason
    signature.reviewed_at, signature.reviewed_by, signature.review_note = timezone.now(), actor, note
    signature.save(update_fields=["state", "removal_reason", "reviewed_at", "reviewed_by", "review_note"])
    extra: dict[str, Any] = {"signature": signature.pk, "removed": remove, "reason": reason if remove else ""}
    if uncounted and petition.status == Status.CLOSED:
        extra["final_count"] = _recount_closed(petition)
    audit_record(
        actor=actor,
        action=AuditAction.PETITION_SIGNATURE_REVIEWED,
        subject=petition,
        agency=petition.agency,
        extra=extra,
    )
    if uncounted:
        _clear_thresholds(petition, actor=actor)
    return signature


def _recount_closed(petition: Petition) -> int | None:
    """A counted signature of a closed *petition* (its row locked by the caller) was removed: take
    one from its final count (a conditional UPDATE: never below zero, only once closed) and record
    the new count and the removed total in the public log, whose closing entry has the old ones."""
    Petition.objects.filter(pk=petition.pk, status=Status.CLOSED, final_count__gt=0).update(
        final_count=F("final_count") - 1
    )
    petition.refresh_from_db(fields=["final_count"])
    removed = sum(n for _label, n in removed_counts(petition))
    ledger_record(
        kind="petition.recounted",
        key=str(petition.pk),
        body={"signatures": petition.final_count, "removed": removed},
    )
    return petition.final_count


# --- response, debate, closing -----------------------------------------------------------


@transaction.atomic
def petition_respond(*, actor: Any, petition: Petition, text: str) -> Petition:
    """An agency admin publishes the agency's response; every signer is told (in batches, after commit)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"response": _("Enter the response")})
    if len(text) > RESPONSE_MAX_LENGTH:
        raise ValidationError(
            {"response": _("The response must be %(n)s characters or fewer") % {"n": RESPONSE_MAX_LENGTH}}
        )
    petition = _lock_for_staff(actor, petition, "respond")
    if petition.responded_at is not None:
        raise ValidationError({"response": _("The agency has already responded to this petition.")})
    count = signature_count(petition.pk)
    petition.response, petition.responded_at, petition.responded_by = text, timezone.now(), actor
    petition.save(update_fields=["response", "responded_at", "responded_by", "updated_at"])
    ledger_record(
        kind="petition.responded",
        key=str(petition.pk),
        body={
            "agency": petition.agency.slug,
            "signatures": count,
            "response_sha256": hashlib.sha256(text.encode()).hexdigest(),
        },
    )
    audit_record(
        actor=actor,
        action=AuditAction.PETITION_RESPONDED,
        subject=petition,
        agency=petition.agency,
        extra={"signatures": count},
    )
    # A lambda, not functools.partial: Django logs a robust callback's failure by its __qualname__.
    # Should queueing fail, the sweep takes the mailing up (response_mail_resume).
    petition_id = petition.pk
    transaction.on_commit(lambda: response_mail_task.enqueue(petition_id), robust=True)
    return petition


@transaction.atomic
def petition_schedule_debate(*, actor: Any, petition: Petition, date: datetime.date | None, place: str) -> Petition:
    """An agency admin schedules the debate of a petition past the debate threshold, or changes
    the date or place of a debate that is scheduled and has not yet taken place.

    Decided on the petition's locked row, so that two requests at once (a double click, a stale
    page) take turns: the same date and place again changes nothing (no audit row, no public log
    entry, nobody told). A change is audited as a change with the old date and place, and the
    followers are told the debate moved; the public log gets a ``petition.debate_moved`` entry
    when the date changed (the ``petition.debated`` entry is never changed, and holds no place).
    """
    errors: dict[str, str] = {}
    place = (place or "").strip()
    if date is None:
        errors["date"] = _("Enter the date of the debate")
    if not place:
        errors["place"] = _("Enter where the debate takes place, or a link to watch it")
    elif len(place) > 300:
        errors["place"] = _("The place must be 300 characters or fewer")
    if errors:
        raise ValidationError(errors)
    petition = _lock_for_staff(actor, petition, "schedule_debate")
    old_date, old_place = petition.debate_date, petition.debate_place
    changing = petition.debate_scheduled_at is not None
    if changing and (date, place) == (old_date, old_place):
        return petition  # sent again: nothing to do
    today = timezone.localdate()
    if changing and old_date is not None and old_date < today:
        raise ValidationError({"date": _("The debate has already taken place, so it cannot be changed.")})
    if date < today:
        raise ValidationError({"date": _("The date of the debate must be today or in the future")})
    count = signature_count(petition.pk)
    if not changing and count < conf.debate_threshold():
        raise ValidationError({"date": _("This petition has not reached the number of signatures for a debate.")})
    petition.debate_date, petition.debate_place, petition.debate_scheduled_at = date, place, timezone.now()
    petition.save(update_fields=["debate_date", "debate_place", "debate_scheduled_at", "updated_at"])
    url = reverse("petitions:detail", args=[petition.pk])
    if changing:
        followers_notify(
            kind="petition",
            key=str(petition.pk),
            subject_template="petitions/notify/debate_moved_subject.txt",
            body_template="petitions/notify/debate_moved_body.txt",
            context={"petition": petition, "old_date": old_date, "old_place": old_place},
            url=url,
        )
        if date != old_date:
            ledger_record(
                kind="petition.debate_moved",
                key=str(petition.pk),
                body={
                    "agency": petition.agency.slug,
                    "date": date.isoformat(),
                    "previous_date": old_date.isoformat() if old_date else None,
                },
            )
        audit_record(
            actor=actor,
            action=AuditAction.PETITION_DEBATE_SCHEDULED,
            subject=petition,
            agency=petition.agency,
            extra={
                "change": True,
                "old_date": old_date.isoformat() if old_date else None,
                "old_place": old_place,
                "date": date.isoformat(),
                "place": place,
            },
        )
        return petition
    followers_notify(
        kind="petition",
        key=str(petition.pk),
        subject_template="petitions/notify/debate_subject.txt",
        body_template="petitions/notify/debate_body.txt",
        context={"petition": petition},
        url=url,
    )
    ledger_record(
        kind="petition.debated",
        key=str(petition.pk),
        body={"agency": petition.agency.slug, "signatures": count, "date": date.isoformat()},
    )
    audit_record(actor=actor, action=AuditAction.PETITION_DEBATE_SCHEDULED, subject=petition, agency=petition.agency)
    return petition


@transaction.atomic
def petition_close(*, actor: Any = None, petition: Petition) -> Petition | None:
    """Close a petition whose period has ended; record its final count in the public log.

    Returns None when it is not due (already closed, or still within its period).
    """
    petition = Petition.objects.select_for_update().select_related("agency").get(pk=petition.pk)
    if petition.status != Status.OPEN or petition.closes_at is None or petition.closes_at > timezone.now():
        return None
    count = signature_count(petition.pk)
    removed = sum(n for _label, n in removed_counts(petition))
    _mark_thresholds(petition, count)
    petition.status, petition.closed_at, petition.final_count = Status.CLOSED, timezone.now(), count
    petition.save(update_fields=["status", "closed_at", "final_count", "updated_at"])
    ledger_record(kind="petition.closed", key=str(petition.pk), body={"signatures": count, "removed": removed})
    audit_record(
        actor=actor,
        action=AuditAction.PETITION_CLOSED,
        subject=petition,
        agency=petition.agency,
        extra={"signatures": count},
    )
    return petition


def petitions_sweep() -> int:
    """Close every petition whose period has ended, put right threshold marks a race left wrong,
    take up response mailings a lost task left unfinished and send the response emails that are
    due again. Returns how many were closed. Running it twice changes nothing more."""
    closed = 0
    for petition in Petition.objects.filter(status=Status.OPEN, closes_at__lte=timezone.now()):
        closed += petition_close(actor=None, petition=petition) is not None
    _reconcile_thresholds()
    response_mail_resume()
    response_emails_send()
    return closed


@task()
def petitions_sweep_task() -> int:
    """The scheduler's job: close petitions at the end of their period (and the rest of
    :func:`petitions_sweep`)."""
    with translation.override(settings.LANGUAGE_CODE):
        return petitions_sweep()


def response_mail_batch(petition_id: int) -> bool:
    """Tell the next batch of signers about the response. Returns whether more are left.

    One transaction moves the petition's mark past the batch and, with it, puts the message in the
    inbox of each signer with an account (notifications emails it after commit) and queues a
    :class:`ResponseEmail` for each signer without one, which :func:`response_emails_send` sends
    afterwards. A crash after the commit, or a mail server that refuses, leaves those queued to be
    sent again: nobody is lost, and a batch that committed is not told twice.
    """
    with transaction.atomic():
        petition = Petition.objects.select_for_update().select_related("agency").get(pk=petition_id)
        if petition.responded_at is None:
            return False
        batch = list(
            Signature.objects.filter(
                petition=petition, state=SignatureState.COUNTED, pk__gt=petition.response_mailed_to
            )
            .select_related("user")
            .order_by("pk")[: conf.mail_batch_size()]
        )
        more = len(batch) == conf.mail_batch_size()
        if not more and petition.response_mailed_at is None:
            # Everyone who had signed by now is told (once this commits): the sweep's
            # response_mail_resume leaves the petition alone from here on.
            petition.response_mailed_at = timezone.now()
            petition.save(update_fields=["response_mailed_at"])
        if not batch:
            return False
        url = reverse("petitions:detail", args=[petition.pk])
        for signature in batch:
            if signature.user is not None:
                notify(
                    user=signature.user,
                    subject_template="petitions/notify/responded_subject.txt",
                    body_template="petitions/notify/responded_body.txt",
                    context={"petition": petition},
                    url=url,
                )
        ResponseEmail.objects.bulk_create(
            [ResponseEmail(petition=petition, signature=s) for s in batch if s.user is None], ignore_conflicts=True
        )
        petition.response_mailed_to = batch[-1].pk
        petition.save(update_fields=["response_mailed_to"])
    return more


def _response_email(petition: Petition, language: str) -> tuple[str, str]:
    """The subject and body of the response email to a signer without an account, in *language*."""
    url = reverse("petitions:detail", args=[petition.pk])
    with translation.override(language):
        return _render(
            "petitions/notify/responded_subject.txt",
            "petitions/email/responded_body.txt",
            {"petition": petition, "link": absolute_url(url), "PLATFORM_NAME": settings.PLATFORM_NAME},
        )


def _retry_delay(attempts: int) -> datetime.timedelta:
    return min(RESPONSE_EMAIL_FIRST_DELAY * 2 ** max(attempts - 1, 0), RESPONSE_EMAIL_MAX_DELAY)


def response_emails_send(*, petition_id: int | None = None, limit: int | None = None) -> int:
    """Send the response emails that are due: queued by :func:`response_mail_batch`, or refused
    before and due again (after RESPONSE_EMAIL_FIRST_DELAY, doubling each time up to
    RESPONSE_EMAIL_MAX_DELAY; RESPONSE_EMAIL_MAX_ATTEMPTS tries in all). Returns how many went.

    Reserve, commit, send, record: a short transaction claims an email (its row locked, another
    sender skips it; the claim counts a try and holds it for RESPONSE_EMAIL_LEASE), the mail server
    is called with no transaction open (on SQLite a transaction holds the whole database's write
    lock, and other requests would wait on the mail server), then a second short write records
    the outcome. Two senders never send one email twice; a crash between sending and recording
    sends it again once the lease is over. A failure is logged (without the address) and noted.
    """
    now = timezone.now()
    due = ResponseEmail.objects.filter(
        sent_at__isnull=True, next_attempt_at__lte=now, attempts__lt=RESPONSE_EMAIL_MAX_ATTEMPTS
    )
    if petition_id is not None:
        due = due.filter(petition_id=petition_id)
    ids = list(due.order_by("pk").values_list("pk", flat=True)[: limit or conf.mail_batch_size()])
    # The email is the same for every signer of a petition in a language: render it once.
    rendered: dict[tuple[int, str], tuple[str, str]] = {}
    sent = 0
    for pk in ids:
        with transaction.atomic():
            email = (
                ResponseEmail.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("signature", "petition", "petition__agency")
                .filter(
                    pk=pk,
                    sent_at__isnull=True,
                    next_attempt_at__lte=timezone.now(),
                    attempts__lt=RESPONSE_EMAIL_MAX_ATTEMPTS,
                )
                .first()
            )
            if email is None:
                continue  # sent or claimed meanwhile, or no longer due
            email.attempts += 1
            email.next_attempt_at = timezone.now() + RESPONSE_EMAIL_LEASE
            email.save(update_fields=["attempts", "next_attempt_at"])
        key = (email.petition_id, email.signature.language or settings.LANGUAGE_CODE)
        if key not in rendered:
            rendered[key] = _response_email(email.petition, key[1])
        subject, body = rendered[key]
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email.signature.email])
        except Exception as exc:  # any failure of the mail server: keep the email for another try
            error = type(exc).__name__[:200]
            ResponseEmail.objects.filter(pk=email.pk, sent_at__isnull=True).update(
                next_attempt_at=timezone.now() + _retry_delay(email.attempts), last_error=error
            )
            logger.warning(
                "Response email %s of petition %s not sent (try %s): %s",
                email.pk,
                email.petition_id,
                email.attempts,
                error,
            )
            continue
        ResponseEmail.objects.filter(pk=email.pk).update(sent_at=timezone.now())
        sent += 1
    return sent


def response_mail_resume() -> int:
    """Queue the response mailing again for each petition whose mailing has not reached its last
    batch: its task chain was lost (a crash, a queue that refused). A second chain beside one still
    running is harmless (batches take turns on the petition's row). Returns how many."""
    ids = list(
        Petition.objects.filter(responded_at__isnull=False, response_mailed_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    for petition_id in ids:
        response_mail_task.enqueue(petition_id)
    return len(ids)


@task()
def response_mail_task(petition_id: int) -> int:
    """Tell every signer about a petition's response, batch by batch (each batch queues the next),
    and send the batch's emails."""
    with translation.override(settings.LANGUAGE_CODE):
        more = response_mail_batch(petition_id)
        response_emails_send(petition_id=petition_id)
    if more:
        response_mail_task.enqueue(petition_id)
    return int(more)

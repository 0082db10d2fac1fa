"""Writes to petitions. Each function: one transaction, the actor passed in, one audit row.

Errors people can fix raise ``ValidationError`` with a dict of field names; nothing is saved
when one is raised. Emails and tasks go out once the transaction commits.

Counting: a signature that starts to count adds one to a :class:`SignatureCount` row chosen at
random among the petition's shards for its district (an ``INSERT ... ON CONFLICT DO UPDATE``), and
one that stops counting takes one away, in the same transaction as the signature's change. So the
count is exact, and concurrent signers wait on one another only when they pick the same shard.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import random
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from ecitizen.accounts.models import IdentityLevel
from ecitizen.accounts.selectors import identity_level_for, primary_email_confirmed, profile_for
from ecitizen.agencies.models import Agency
from ecitizen.core import context
from ecitizen.core.addresses import normalise_postcode, postcode_looks_valid
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.core.site import absolute_url
from ecitizen.engagement.discussions.services import followers_notify
from ecitizen.engagement.petitions import abuse, conf
from ecitizen.engagement.petitions.models import (
    ACTION_MAX_LENGTH,
    ACTIVE_STATES,
    BACKGROUND_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    RESPONSE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    FlagReason,
    Petition,
    RejectionReason,
    RemovalReason,
    Signature,
    SignatureCount,
    SignatureState,
    Sponsor,
    Status,
)
from ecitizen.engagement.petitions.policies import petition_policy
from ecitizen.engagement.petitions.selectors import removed_counts, signature_count
from ecitizen.exchange.selectors import district_for_postcode
from ecitizen.ledger.services import ledger_record
from ecitizen.notifications.services import notify

NAME_MAX_LENGTH = 120


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
    transaction.on_commit(functools.partial(send_mail, subject, body, settings.DEFAULT_FROM_EMAIL, [to]), robust=True)


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
    """Record when the petition first reached each threshold (once, whoever gets there first)."""
    if petition.response_threshold_at and petition.debate_threshold_at:
        return
    count = signature_count(petition.pk) if count is None else count
    now = timezone.now()
    if count >= conf.response_threshold() and not petition.response_threshold_at:
        Petition.objects.filter(pk=petition.pk, response_threshold_at__isnull=True).update(response_threshold_at=now)
    if count >= conf.debate_threshold() and not petition.debate_threshold_at:
        Petition.objects.filter(pk=petition.pk, debate_threshold_at__isnull=True).update(debate_threshold_at=now)


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


def _lock_for_staff(actor: Any, petition: Petition, action: str) -> Petition:
    locked = Petition.objects.select_for_update().select_related("agency", "author").get(pk=petition.pk)
    if not petition_policy.can_for(actor, action, locked):
        raise PermissionDenied
    return locked


def _account_signature(petition: Petition, user: Any, *, now: datetime.datetime) -> Signature:
    profile = profile_for(user)  # one read: the name comes from it too (not user.get_full_name())
    postcode = normalise_postcode(getattr(profile, "postcode", "") or "")
    email = signer_address(user.email) or f"account-{user.pk}@accounts.invalid"
    return Signature(
        petition=petition,
        user=user,
        name=(profile.full_name or email.split("@")[0])[:NAME_MAX_LENGTH],
        email=email,
        email_domain=abuse.email_domain(email),
        postcode=postcode[:12],
        district=_district_of(postcode),
        state=SignatureState.COUNTED,
        confirmed_at=now,
    )


@transaction.atomic
def petition_publish(*, actor: Any, petition: Petition) -> Petition:
    """A moderator of the responsible agency opens the petition for signatures, for the set period.

    Its author and supporters are its first signatures.
    """
    petition = _lock_for_staff(actor, petition, "moderate")
    now = timezone.now()
    petition.status, petition.moderated_at, petition.opened_at = Status.OPEN, now, now
    petition.closes_at = now + datetime.timedelta(days=conf.open_days())
    petition.save(update_fields=["status", "moderated_at", "opened_at", "closes_at", "updated_at"])
    people = [petition.author] + [s.user for s in petition.sponsors.filter(user__isnull=False).select_related("user")]
    signatures = Signature.objects.bulk_create([_account_signature(petition, p, now=now) for p in people])
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


@transaction.atomic
def signature_add(*, actor: Any, petition: Petition) -> Signature:
    """*actor*, signed in, signs the petition. It counts at once (their account proves who they are).

    One signature per account. An earlier signature by email from the account's own confirmed
    address becomes this one (a person, not an address, is counted). Raises ``ValidationError``
    when they have already signed.
    """
    if not actor.is_authenticated:
        raise PermissionDenied
    now = timezone.now()
    signature = _account_signature(petition, actor, now=now)
    signature.ip = _ip()
    extra: dict[str, Any] = {}
    # Insert first and let the unique constraints say whether this person has signed: the usual
    # case (they have not) then costs no lookup, and two requests at once cannot both pass.
    if not _insert_unless_signed(signature):
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
    _open_petition(petition)
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
    signature.state, signature.confirmed_at = SignatureState.COUNTED, timezone.now()
    signature.save(update_fields=["state", "confirmed_at"])
    current, count = _count_while_open(signature.petition_id, signature.district, 1)
    _mark_thresholds(current, count)
    audit_record(
        actor=None,
        action=AuditAction.PETITION_SIGNATURE_CONFIRMED,
        subject=signature.petition,
        extra={"signature": signature.pk},
    )
    return signature


@transaction.atomic
def signature_withdraw(*, actor: Any, signature: Signature) -> Signature:
    """Take a signature back while the petition is open: by its account (*actor*), or by whoever
    holds the signer's emailed link (*actor* None, the view checked the token)."""
    signature = Signature.objects.select_for_update().select_related("petition").get(pk=signature.pk)
    if signature.user_id is not None and getattr(actor, "pk", None) != signature.user_id:
        raise PermissionDenied
    if signature.state not in ACTIVE_STATES:
        raise ValidationError({"signature": _("This signature has already been withdrawn or removed.")})
    _open_petition(signature.petition)
    if signature.state == SignatureState.COUNTED:
        _add_to_count(signature.petition_id, signature.district, -1)
    signature.state, signature.withdrawn_at = SignatureState.WITHDRAWN, timezone.now()
    signature.save(update_fields=["state", "withdrawn_at"])
    audit_record(
        actor=actor,
        action=AuditAction.PETITION_SIGNATURE_WITHDRAWN,
        subject=signature.petition,
        extra={"signature": signature.pk},
    )
    return signature


@transaction.atomic
def signature_review(*, actor: Any, signature: Signature, remove: bool, reason: str = "", note: str = "") -> Signature:
    """A moderator of the petition's agency keeps or removes a flagged signature.

    Removing needs a reason from the list (shown, counted, on the petition's page); a removed
    signature stops counting.
    """
    signature = Signature.objects.select_for_update().get(pk=signature.pk)
    petition = _lock_for_staff(actor, signature.petition, "review_signatures")
    if signature.user_id == actor.pk:
        raise PermissionDenied
    if signature.reviewed_at is not None:
        raise ValidationError({"signature": _("Someone has already reviewed this signature.")})
    note = (note or "").strip()[:300]
    if remove:
        if reason not in RemovalReason.values:
            raise ValidationError({"reason": _("Select why the signature is removed")})
        if signature.state not in ACTIVE_STATES:
            # A withdrawn signature no longer counts: removing it would add to the public count
            # of removed signatures one that was never taken away.
            raise ValidationError({"signature": _("This signature has been withdrawn: there is nothing to remove.")})
        if signature.state == SignatureState.COUNTED:
            _add_to_count(petition.pk, signature.district, -1)
        signature.state, signature.removal_reason = SignatureState.REMOVED, reason
    signature.reviewed_at, signature.reviewed_by, signature.review_note = timezone.now(), actor, note
    signature.save(update_fields=["state", "removal_reason", "reviewed_at", "reviewed_by", "review_note"])
    audit_record(
        actor=actor,
        action=AuditAction.PETITION_SIGNATURE_REVIEWED,
        subject=petition,
        agency=petition.agency,
        extra={"signature": signature.pk, "removed": remove, "reason": reason if remove else ""},
    )
    return signature


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
    transaction.on_commit(functools.partial(response_mail_task.enqueue, petition.pk), robust=True)
    return petition


@transaction.atomic
def petition_schedule_debate(*, actor: Any, petition: Petition, date: datetime.date | None, place: str) -> Petition:
    """An agency admin schedules the debate of a petition past the debate threshold."""
    errors: dict[str, str] = {}
    place = (place or "").strip()
    if date is None:
        errors["date"] = _("Enter the date of the debate")
    elif date < timezone.localdate():
        errors["date"] = _("The date of the debate must be today or in the future")
    if not place:
        errors["place"] = _("Enter where the debate takes place, or a link to watch it")
    elif len(place) > 300:
        errors["place"] = _("The place must be 300 characters or fewer")
    if errors:
        raise ValidationError(errors)
    petition = _lock_for_staff(actor, petition, "schedule_debate")
    count = signature_count(petition.pk)
    if count < conf.debate_threshold():
        raise ValidationError({"date": _("This petition has not reached the number of signatures for a debate.")})
    petition.debate_date, petition.debate_place, petition.debate_scheduled_at = date, place, timezone.now()
    petition.save(update_fields=["debate_date", "debate_place", "debate_scheduled_at", "updated_at"])
    followers_notify(
        kind="petition",
        key=str(petition.pk),
        subject_template="petitions/notify/debate_subject.txt",
        body_template="petitions/notify/debate_body.txt",
        context={"petition": petition},
        url=reverse("petitions:detail", args=[petition.pk]),
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
    """Close every petition whose period has ended and note thresholds a race left unmarked.
    Returns how many were closed. Running it twice changes nothing more."""
    closed = 0
    for petition in Petition.objects.filter(status=Status.OPEN, closes_at__lte=timezone.now()):
        closed += petition_close(actor=None, petition=petition) is not None
    for petition in Petition.objects.filter(status=Status.OPEN).filter(
        Q(response_threshold_at__isnull=True) | Q(debate_threshold_at__isnull=True)
    ):
        _mark_thresholds(petition)
    return closed


@task()
def petitions_sweep_task() -> int:
    """The scheduler's job: close petitions at the end of their period."""
    return petitions_sweep()


def response_mail_batch(petition_id: int) -> bool:
    """Tell the next batch of signers about the response. Returns whether more are left.

    Each batch is one transaction that moves the petition's mark on; a batch that fails is sent
    again from the same mark, so nobody is told twice by a batch that committed.
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
        if not batch:
            return False
        url = reverse("petitions:detail", args=[petition.pk])
        # The email is the same for every signer in a language: render it once per language.
        rendered: dict[str, tuple[str, str]] = {}
        for signature in batch:
            if signature.user is not None:
                notify(
                    user=signature.user,
                    subject_template="petitions/notify/responded_subject.txt",
                    body_template="petitions/notify/responded_body.txt",
                    context={"petition": petition},
                    url=url,
                )
            else:
                language = signature.language or settings.LANGUAGE_CODE
                if language not in rendered:
                    with translation.override(language):
                        rendered[language] = _render(
                            "petitions/notify/responded_subject.txt",
                            "petitions/email/responded_body.txt",
                            {"petition": petition, "link": absolute_url(url), "PLATFORM_NAME": settings.PLATFORM_NAME},
                        )
                _send(
                    to=signature.email, subject_template="", body_template="", context_={}, rendered=rendered[language]
                )
        petition.response_mailed_to = batch[-1].pk
        petition.save(update_fields=["response_mailed_to"])
    return len(batch) == conf.mail_batch_size()


@task()
def response_mail_task(petition_id: int) -> int:
    """Tell every signer about a petition's response, batch by batch (each batch queues the next)."""
    with translation.override(settings.LANGUAGE_CODE):
        more = response_mail_batch(petition_id)
    if more:
        response_mail_task.enqueue(petition_id)
    return int(more)

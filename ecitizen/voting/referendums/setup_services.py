"""Writes of a referendum's setup: agency admins create and change it (texts in every language,
the questions and their options, who may vote, the dates, the trustees and the returning officer),
start the trustees' key generation, and the returning officer and a second person sign the setup
off.

Each function: one transaction, the actor passed in, audited (``REF_SAVED``, ``REF_SIGNED_OFF``).
Errors people can fix raise ``ValidationError`` with a dict of field names, and nothing is saved.

Four eyes: a sign-off is a signature over the digest of the setup as the signer saw it
(:func:`setup_digest`); any change to the setup clears the setup's sign-offs (and a referendum
that was ready to open goes back to waiting for them). The referendum is ready to open when the
election key is complete and two different people, one of them the returning officer, have signed
the current setup. The trustees cannot change once key generation has started (their key shares
depend on who they are); restarting key generation forgets every trustee's messages.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.accounts.models import IdentityLevel
from ecitizen.agencies.models import Agency, Membership
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.voting.protocol.hashing import canonical_json
from ecitizen.voting.referendums import conf
from ecitizen.voting.referendums.models import (
    Option,
    Question,
    Referendum,
    SignOff,
    SignOffStage,
    Stage,
    Trustee,
)
from ecitizen.voting.referendums.policies import (
    MANAGE_ROLES,
    OFFICER_ROLES,
    is_returning_officer,
    referendum_policy,
    staff_agencies,
)

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 5000
QUESTION_MAX_LENGTH = 1000
OPTION_MAX_LENGTH = 300
# The setup can change until voting opens.
EDITABLE_STAGES = (Stage.DRAFT, Stage.KEYS, Stage.READY)
LANGUAGES = [code for code, _name in settings.LANGUAGES]


@dataclass(frozen=True)
class ReferendumData:
    """What staff enter for a referendum (the form's cleaned data). Texts are ``{language: text}``."""

    title: dict[str, str]
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    returning_officer: Any
    trustees: list[Any]
    threshold: int
    description: dict[str, str] = field(default_factory=dict)
    min_age: int = 16
    residents_only: bool = True
    districts: list[Any] = field(default_factory=list)
    identity_level: str = IdentityLevel.VERIFIED
    paper_voting: bool = True
    assisted_voting: bool = True


@dataclass(frozen=True)
class QuestionData:
    """A question: its text and its options' labels (each ``{language: text}``), and how many
    options a voter marks (from ``min_choices`` to ``max_choices``)."""

    text: dict[str, str]
    options: list[dict[str, str]]
    min_choices: int = 1
    max_choices: int = 1


# --- reading the setup ---------------------------------------------------------------------


def _texts(value: Any) -> dict[str, str]:
    """Only the known languages' non-empty texts, stripped."""
    if not isinstance(value, dict):
        return {}
    return {code: str(value[code]).strip() for code in LANGUAGES if str(value.get(code) or "").strip()}


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat()


def questions_of(referendum: Referendum) -> list[Question]:
    """The questions in order, with their options prefetched (``question.options.all()``)."""
    return list(referendum.questions.prefetch_related("options").order_by("position"))


def trustees_of(referendum: Referendum) -> list[Trustee]:
    return list(referendum.trustees.select_related("user").order_by("index"))


def setup_summary(referendum: Referendum) -> dict:
    """Everything the setup sign-off covers, as JSON: the texts, questions, dates, who may vote,
    the channels, the returning officer and the trustees."""
    return {
        "referendum": str(referendum.uuid),
        "agency": referendum.agency_id,
        "title": referendum.title,
        "description": referendum.description,
        "questions": [
            {
                "text": q.text,
                "min": q.min_choices,
                "max": q.max_choices,
                "options": [o.label for o in q.options.all()],
            }
            for q in questions_of(referendum)
        ],
        "opens_at": _iso(referendum.opens_at),
        "closes_at": _iso(referendum.closes_at),
        "min_age": referendum.min_age,
        "residents_only": referendum.residents_only,
        "districts": sorted(referendum.districts.values_list("pk", flat=True)),
        "identity_level": referendum.identity_level,
        "paper_voting": referendum.paper_voting,
        "assisted_voting": referendum.assisted_voting,
        "returning_officer": referendum.returning_officer.email,
        "threshold": referendum.threshold,
        "trustees": [{"index": t.index, "user": t.user.email} for t in trustees_of(referendum)],
    }


def digest_of(value: Any) -> str:
    """The SHA-256 (hex) of the canonical JSON of *value*: what a sign-off signs."""
    return hashlib.sha256(canonical_json(value).encode("ascii")).hexdigest()


def setup_digest(referendum: Referendum) -> str:
    return digest_of(setup_summary(referendum))


def sign_offs_hold(referendum: Referendum, stage: str, digest: str) -> bool:
    """Two different people signed *digest* for *stage*, one of them the returning officer."""
    rows = [s for s in SignOff.objects.filter(referendum=referendum, stage=stage) if s.digest == digest]
    return len({s.user_id for s in rows}) >= 2 and any(s.user_id == referendum.returning_officer_id for s in rows)


def key_complete(referendum: Referendum) -> bool:
    """Every trustee has confirmed their share, and the election key is known."""
    trustees = list(referendum.trustees.all())
    return (
        bool(referendum.public_key)
        and len(trustees) == referendum.trustee_count
        and all(t.confirmed_at is not None and t.verification_key for t in trustees)
    )


def setup_problems(referendum: Referendum, now: datetime.datetime | None = None) -> list[str]:
    """What is missing before key generation can start or the setup can be signed off."""
    now = now or timezone.now()
    problems = []
    if not referendum.questions.exists():
        problems.append(_("Add at least one question."))
    if referendum.trustees.count() != referendum.trustee_count or referendum.trustee_count < 1:
        problems.append(_("Choose the trustees."))
    if referendum.closes_at <= now:
        problems.append(_("Voting would already be over: change the dates."))
    return problems


# --- checks ----------------------------------------------------------------------------------


def _member_ids(agency: Agency, *roles) -> set[int]:
    memberships = Membership.objects.filter(agency=agency, agency__is_active=True)
    if roles:
        memberships = memberships.filter(role__in=list(roles))
    return set(memberships.values_list("user_id", flat=True))


def _has_mfa(user: Any) -> bool:
    from allauth.mfa.utils import is_mfa_enabled

    return is_mfa_enabled(user)


def validate_referendum(agency: Agency, data: ReferendumData, now: datetime.datetime | None = None) -> dict[str, str]:
    """Field errors of *data* for a referendum of *agency*."""
    now = now or timezone.now()
    errors: dict[str, str] = {}
    title = _texts(data.title)
    if not title.get(settings.LANGUAGE_CODE):
        errors["title"] = _("Enter a title in English")
    elif any(len(t) > TITLE_MAX_LENGTH for t in title.values()):
        errors["title"] = _("The title must be %(n)s characters or fewer") % {"n": TITLE_MAX_LENGTH}
    if any(len(t) > DESCRIPTION_MAX_LENGTH for t in _texts(data.description).values()):
        errors["description"] = _("The explanation must be %(n)s characters or fewer") % {"n": DESCRIPTION_MAX_LENGTH}
    if data.opens_at is None:
        errors["opens_at"] = _("Enter the day voting opens")
    if data.closes_at is None:
        errors["closes_at"] = _("Enter the last day of voting")
    if data.opens_at is not None and data.closes_at is not None:
        if data.closes_at <= data.opens_at:
            errors["closes_at"] = _("The last day of voting must be on or after the day voting opens")
        elif data.closes_at <= now:
            errors["closes_at"] = _("The last day of voting cannot be in the past")
    if data.min_age is None or not 0 <= data.min_age <= 120:
        errors["min_age"] = _("Enter an age from 0 to 120")
    if data.identity_level not in IdentityLevel.values:
        errors["identity_level"] = _("Select the identity needed to vote online")
    for area in data.districts:
        if area.agency_id != agency.pk or not area.is_active:
            errors["districts"] = _("Choose districts of your agency")
            break
    staff = _member_ids(agency)
    officer = data.returning_officer
    if officer is None:
        errors["returning_officer"] = _("Choose the returning officer")
    elif officer.pk not in _member_ids(agency, *OFFICER_ROLES):
        errors["returning_officer"] = _("The returning officer must be a caseworker or an agency admin of the agency")
    trustees = list(data.trustees)
    most = conf.max_trustees()
    if not trustees:
        errors["trustees"] = _("Choose at least one trustee")
    elif len({t.pk for t in trustees}) != len(trustees):
        errors["trustees"] = _("Choose each trustee once")
    elif len(trustees) > most:
        errors["trustees"] = _("Choose at most %(n)s trustees") % {"n": most}
    elif any(t.pk not in staff for t in trustees):
        errors["trustees"] = _("Trustees must be staff of the agency")
    else:
        without = [t.email for t in trustees if not _has_mfa(t)]
        if without:
            errors["trustees"] = _("Every trustee must have set up two-factor authentication. Not yet: %(people)s") % {
                "people": ", ".join(without)
            }
    if data.threshold is None or not 1 <= data.threshold <= max(len(trustees), 1):
        errors["threshold"] = _("Enter a number of trustees from 1 to the number of trustees chosen")
    return errors


def validate_question(data: QuestionData) -> dict[str, str]:
    errors: dict[str, str] = {}
    text = _texts(data.text)
    if not text.get(settings.LANGUAGE_CODE):
        errors["text"] = _("Enter the question in English")
    elif any(len(t) > QUESTION_MAX_LENGTH for t in text.values()):
        errors["text"] = _("The question must be %(n)s characters or fewer") % {"n": QUESTION_MAX_LENGTH}
    options = [_texts(o) for o in data.options]
    most = conf.max_options()
    if len(options) < 2:
        errors["options"] = _("Enter at least two options in English, one per line")
    elif len(options) > most:
        errors["options"] = _("Enter at most %(n)s options") % {"n": most}
    elif any(not o.get(settings.LANGUAGE_CODE) for o in options):
        errors["options"] = _("Enter every option in English")
    elif any(len(t) > OPTION_MAX_LENGTH for o in options for t in o.values()):
        errors["options"] = _("Each option must be %(n)s characters or fewer") % {"n": OPTION_MAX_LENGTH}
    else:
        for code in LANGUAGES:
            given = sum(1 for o in options if code in o)
            if given not in (0, len(options)):
                errors["options"] = _(
                    "Give every option in a language, or none: %(language)s has %(given)s of %(n)s"
                ) % {"language": code, "given": given, "n": len(options)}
                break
    n = len(options)
    if data.max_choices is None or data.max_choices < 1 or (n >= 2 and data.max_choices > n):
        errors["max_choices"] = _("Enter the most options a voter may mark, from 1 to the number of options")
    elif data.min_choices is None or not 0 <= data.min_choices <= data.max_choices:
        errors["min_choices"] = _("Enter the fewest options a voter must mark, from 0 to the most")
    return errors


def _editable(referendum: Referendum) -> None:
    if referendum.stage not in EDITABLE_STAGES:
        raise ValidationError({NON_FIELD_ERRORS: _("Voting has opened: the setup can no longer change.")})


def _lock(referendum: Referendum) -> Referendum:
    return Referendum.objects.select_for_update().select_related("agency", "returning_officer").get(pk=referendum.pk)


def _setup_changed(referendum: Referendum) -> dict[str, Any]:
    """After a change to the setup: its sign-offs go, and a referendum ready to open waits for new
    ones. Returns what the audit row says about it."""
    cleared, _by_model = SignOff.objects.filter(referendum=referendum, stage=SignOffStage.SETUP).delete()
    extra: dict[str, Any] = {"sign_offs_cleared": cleared}
    if referendum.stage == Stage.READY:
        referendum.stage = Stage.KEYS
        referendum.save(update_fields=["stage", "updated_at"])
        extra["stage"] = Stage.KEYS
    return extra


# --- the referendum ----------------------------------------------------------------------------

FIELDS = (
    "opens_at",
    "closes_at",
    "min_age",
    "residents_only",
    "identity_level",
    "paper_voting",
    "assisted_voting",
    "threshold",
)


def _values(data: ReferendumData) -> dict[str, Any]:
    values = {name: getattr(data, name) for name in FIELDS}
    values["title"] = _texts(data.title)
    values["description"] = _texts(data.description)
    values["returning_officer"] = data.returning_officer
    values["trustee_count"] = len(data.trustees)
    return values


def _set_trustees(referendum: Referendum, users: list[Any]) -> None:
    referendum.trustees.all().delete()
    Trustee.objects.bulk_create(
        [Trustee(referendum=referendum, index=i, user=user) for i, user in enumerate(users, start=1)]
    )


@transaction.atomic
def referendum_create(*, actor: Any, agency: Agency, data: ReferendumData) -> Referendum:
    """An agency admin of *agency* creates a draft referendum (questions are added next)."""
    if agency is None or not staff_agencies(actor, *MANAGE_ROLES).filter(pk=agency.pk).exists():
        raise PermissionDenied
    errors = validate_referendum(agency, data)
    if errors:
        raise ValidationError(errors)
    referendum = Referendum.objects.create(agency=agency, created_by=actor, **_values(data))
    referendum.districts.set(data.districts)
    _set_trustees(referendum, list(data.trustees))
    audit_record(
        actor=actor,
        action=AuditAction.REF_SAVED,
        subject=referendum,
        agency=agency,
        extra={"created": True, "trustees": len(data.trustees), "threshold": data.threshold},
    )
    return referendum


@transaction.atomic
def referendum_update(*, actor: Any, referendum: Referendum, data: ReferendumData) -> Referendum:
    """An agency admin changes a referendum's setup, until voting opens. Once key generation has
    started, the trustees and the threshold are fixed (restart key generation to change them)."""
    referendum = _lock(referendum)
    if not referendum_policy.can_for(actor, "manage", referendum):
        raise PermissionDenied
    _editable(referendum)
    errors = validate_referendum(referendum.agency, data)
    if errors:
        raise ValidationError(errors)
    values = _values(data)
    wanted_trustees = [u.pk for u in data.trustees]
    current_trustees = list(referendum.trustees.order_by("index").values_list("user_id", flat=True))
    trustees_changed = wanted_trustees != current_trustees
    if referendum.stage != Stage.DRAFT:
        refused = {}
        if trustees_changed:
            refused["trustees"] = _("The trustees cannot change once key generation has started")
        if data.threshold != referendum.threshold:
            refused["threshold"] = _("The number of trustees needed cannot change once key generation has started")
        if refused:
            raise ValidationError(refused)
    before = setup_digest(referendum)
    changed = sorted(name for name, value in values.items() if value != getattr(referendum, name))
    for name, value in values.items():
        setattr(referendum, name, value)
    referendum.save()
    wanted_districts = sorted(a.pk for a in data.districts)
    if wanted_districts != sorted(referendum.districts.values_list("pk", flat=True)):
        referendum.districts.set(data.districts)
        changed.append("districts")
    if trustees_changed:
        _set_trustees(referendum, list(data.trustees))
        changed.append("trustees")
    extra: dict[str, Any] = {"changed": sorted(set(changed))}
    if setup_digest(referendum) != before:
        extra |= _setup_changed(referendum)
    audit_record(actor=actor, action=AuditAction.REF_SAVED, subject=referendum, agency=referendum.agency, extra=extra)
    return referendum


# --- questions ---------------------------------------------------------------------------------


@transaction.atomic
def question_save(
    *, actor: Any, referendum: Referendum, data: QuestionData, question: Question | None = None
) -> Question:
    """An agency admin adds a question (at the end) or changes one, with its options."""
    referendum = _lock(referendum)
    if not referendum_policy.can_for(actor, "manage", referendum):
        raise PermissionDenied
    _editable(referendum)
    errors = validate_question(data)
    if errors:
        raise ValidationError(errors)
    if question is None:
        count = referendum.questions.count()
        most = conf.max_questions()
        if count >= most:
            raise ValidationError({NON_FIELD_ERRORS: _("A referendum can ask at most %(n)s questions.") % {"n": most}})
        question = Question.objects.create(
            referendum=referendum,
            position=count,
            text=_texts(data.text),
            min_choices=data.min_choices,
            max_choices=data.max_choices,
        )
        created = True
    else:
        question = Question.objects.select_for_update().get(pk=question.pk, referendum=referendum)
        question.text = _texts(data.text)
        question.min_choices, question.max_choices = data.min_choices, data.max_choices
        question.save()
        question.options.all().delete()
        created = False
    Option.objects.bulk_create(
        [Option(question=question, position=i, label=_texts(label)) for i, label in enumerate(data.options)]
    )
    extra = {"question": question.position, "options": len(data.options), "created": created}
    extra |= _setup_changed(referendum)
    audit_record(actor=actor, action=AuditAction.REF_SAVED, subject=referendum, agency=referendum.agency, extra=extra)
    return question


@transaction.atomic
def question_delete(*, actor: Any, question: Question) -> None:
    """An agency admin removes a question; the later ones move up."""
    referendum = _lock(question.referendum)
    if not referendum_policy.can_for(actor, "manage", referendum):
        raise PermissionDenied
    _editable(referendum)
    question = Question.objects.select_for_update().get(pk=question.pk, referendum=referendum)
    position = question.position
    question.delete()
    for later in referendum.questions.filter(position__gt=position).order_by("position"):
        later.position -= 1
        later.save(update_fields=["position"])
    extra = {"question": position, "removed": True} | _setup_changed(referendum)
    audit_record(actor=actor, action=AuditAction.REF_SAVED, subject=referendum, agency=referendum.agency, extra=extra)


# --- key generation ------------------------------------------------------------------------------


@transaction.atomic
def key_generation_start(*, actor: Any, referendum: Referendum) -> Referendum:
    """An agency admin asks the trustees to make the election key (stage keys)."""
    referendum = _lock(referendum)
    if not referendum_policy.can_for(actor, "manage", referendum):
        raise PermissionDenied
    if referendum.stage != Stage.DRAFT:
        raise ValidationError({NON_FIELD_ERRORS: _("Key generation has started already.")})
    problems = setup_problems(referendum)
    if problems:
        raise ValidationError({NON_FIELD_ERRORS: problems})
    referendum.stage = Stage.KEYS
    referendum.save(update_fields=["stage", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.REF_SAVED,
        subject=referendum,
        agency=referendum.agency,
        extra={"stage": Stage.KEYS},
    )
    return referendum


@transaction.atomic
def key_generation_restart(*, actor: Any, referendum: Referendum) -> Referendum:
    """An agency admin starts the key generation again (a trustee lost their key, or a deal was
    bad): every trustee's messages are forgotten and the referendum is a draft again, so that the
    trustees can also be changed."""
    referendum = _lock(referendum)
    if not referendum_policy.can_for(actor, "manage", referendum):
        raise PermissionDenied
    if referendum.stage not in (Stage.KEYS, Stage.READY):
        raise ValidationError({NON_FIELD_ERRORS: _("Key generation can be restarted only before voting opens.")})
    referendum.trustees.update(sealing_key="", deal={}, verification_key="", confirmed_at=None)
    referendum.public_key = ""
    referendum.stage = Stage.DRAFT
    referendum.save(update_fields=["public_key", "stage", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.REF_SAVED,
        subject=referendum,
        agency=referendum.agency,
        extra={"stage": Stage.DRAFT, "keys_cleared": True},
    )
    return referendum


def ready_if_complete(referendum: Referendum) -> bool:
    """Inside a caller's transaction (the referendum locked): a referendum whose key is complete
    and whose current setup is signed off is ready to open. Returns whether it moved."""
    if referendum.stage != Stage.KEYS:
        return False
    if not key_complete(referendum) or not sign_offs_hold(referendum, SignOffStage.SETUP, setup_digest(referendum)):
        return False
    referendum.stage = Stage.READY
    referendum.save(update_fields=["stage", "updated_at"])
    return True


# --- sign-offs ----------------------------------------------------------------------------------


def sign(*, actor: Any, referendum: Referendum, stage: str, digest: str) -> SignOff:
    """Inside a caller's transaction: *actor* signs *digest* (the current one) for *stage*. One of
    the two signatures must be the returning officer's; a signature of an earlier version by the
    same person is replaced."""
    current = [s for s in SignOff.objects.filter(referendum=referendum, stage=stage) if s.digest == digest]
    if any(s.user_id == actor.pk for s in current):
        raise ValidationError({NON_FIELD_ERRORS: _("You have signed this off already. Someone else must sign too.")})
    officer = is_returning_officer(actor, referendum)
    if len({s.user_id for s in current}) >= 2 and any(s.as_returning_officer for s in current):
        raise ValidationError({NON_FIELD_ERRORS: _("Two people have signed this off already.")})
    if current and not officer and not any(s.user_id == referendum.returning_officer_id for s in current):
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _(
                    "The returning officer must be one of the two people who sign off. Ask %(officer)s to sign."
                )
                % {"officer": referendum.returning_officer.email}
            }
        )
    SignOff.objects.filter(referendum=referendum, stage=stage, user=actor).delete()
    return SignOff.objects.create(
        referendum=referendum, stage=stage, user=actor, as_returning_officer=officer, digest=digest
    )


def signatures(referendum: Referendum, stage: str, digest: str) -> list[SignOff]:
    """The sign-offs of *stage* over *digest* (the current version), oldest first."""
    return [
        s
        for s in SignOff.objects.filter(referendum=referendum, stage=stage).select_related("user")
        if s.digest == digest
    ]


@transaction.atomic
def setup_sign_off(*, actor: Any, referendum: Referendum, digest: str) -> SignOff:
    """The returning officer or an agency admin signs the setup off, as they saw it (*digest*, from
    the page they read). The second valid signature (with the key complete) makes the referendum
    ready to open."""
    referendum = _lock(referendum)
    if not referendum_policy.can_for(actor, "sign_off", referendum):
        raise PermissionDenied
    if referendum.stage not in (Stage.DRAFT, Stage.KEYS):
        raise ValidationError({NON_FIELD_ERRORS: _("The setup can be signed off only before the referendum is ready.")})
    current = setup_digest(referendum)
    if digest != current:
        raise ValidationError(
            {NON_FIELD_ERRORS: _("The setup has changed since you opened this page. Read it again before you sign.")}
        )
    problems = setup_problems(referendum)
    if problems:
        raise ValidationError({NON_FIELD_ERRORS: problems})
    signed = sign(actor=actor, referendum=referendum, stage=SignOffStage.SETUP, digest=current)
    ready = ready_if_complete(referendum)
    audit_record(
        actor=actor,
        action=AuditAction.REF_SIGNED_OFF,
        subject=referendum,
        agency=referendum.agency,
        extra={
            "stage": SignOffStage.SETUP,
            "digest": current,
            "as_returning_officer": signed.as_returning_officer,
            "ready": ready,
        },
    )
    return signed


def missing_signatures(referendum: Referendum, stage: str, digest: str) -> str:
    """Who still has to sign *digest*, as a sentence ("" when nobody)."""
    current = signatures(referendum, stage, digest)
    people = {s.user_id for s in current}
    officer = referendum.returning_officer_id in people
    if len(people) >= 2 and officer:
        return ""
    if not current:
        return _("The returning officer (%(officer)s) and a second person must sign off.") % {
            "officer": referendum.returning_officer.email
        }
    if not officer:
        return _("The returning officer (%(officer)s) must sign off.") % {"officer": referendum.returning_officer.email}
    return _("A second person (an agency admin) must sign off.")

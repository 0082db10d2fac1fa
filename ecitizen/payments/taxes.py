"""Taxes: what an agency levies, the yearly assessments, the bills, late penalties.

An agency admin defines a :class:`Tax` (a rate of an assessed value, paid in
monthly instalments, with a late penalty), imports each year's assessments
from a CSV file, and generates the year's bills: one per instalment per
assessment. A daily run adds late penalties to unpaid bills.

Arithmetic is in integer minor units throughout. The yearly amount is
``assessed value × rate`` rounded half to even to the minor unit; instalments
split it exactly (the remainder goes to the first one); a penalty is simple
(never charged on a penalty): ``tax × monthly rate × whole months overdue``,
rounded half to even, and nothing until the grace period has passed.

Payers are matched to accounts by the blind index of their national ID
(verified profiles only) or by a verified email address. A bill whose payer
has no account yet keeps the index; :func:`claimable_bills` and
:func:`bills_claim` let that payer find it after verifying their identity.
The national ID itself is never stored here.

Sections: pure arithmetic, the policy, selectors (reads), services (writes),
the background task.
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import formats, timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from ecitizen.agencies.models import Agency
from ecitizen.agencies.policies import AgencyAdminPolicy
from ecitizen.core.audit import audit_record
from ecitizen.core.crypto import normalise_identifier
from ecitizen.core.i18n import pick
from ecitizen.core.models import AuditAction
from ecitizen.core.money import CURRENCIES, MoneyError, parse_amount
from ecitizen.payments.models import (
    IN_PROGRESS,
    Bill,
    BillLine,
    BillStatus,
    LineKind,
    Tax,
    TaxAssessment,
)

logger = logging.getLogger(__name__)

BASIS_POINTS = 10_000  # 100%
MAX_RATE_BASIS_POINTS = BASIS_POINTS  # a yearly rate of at most 100%
MAX_PENALTY_BASIS_POINTS = 1_000  # at most 10% a month
MAX_INSTALMENTS = 12
MAX_GRACE_DAYS = 365
MAX_IMPORT_ROWS = 50_000
MAX_REPORTED_ERRORS = 200
MAX_ASSESSED_VALUE = 10**15  # minor units: ten trillion pounds is not a house
REQUIRED_COLUMNS = ("subject_ref", "subject_description", "payer_name", "national_id", "assessed_value")
OPTIONAL_COLUMNS = ("payer_email",)
BILL_NUMBER_DIGITS = 6


# --- arithmetic (pure: no database) -----------------------------------------------------


def divide_half_even(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half to even, in integers (no floats, no Decimal context)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


def annual_amount(assessed_value: int, rate_basis_points: int) -> int:
    """The year's tax on *assessed_value* (minor units) at *rate_basis_points*, in minor units."""
    return divide_half_even(assessed_value * rate_basis_points, BASIS_POINTS)


def split_instalments(annual: int, instalments: int) -> list[int]:
    """*annual* in *instalments* parts that sum to it exactly; the remainder goes to the first."""
    if instalments < 1:
        raise ValueError("at least one instalment")
    base, remainder = divmod(annual, instalments)
    return [base + remainder] + [base] * (instalments - 1)


def instalment_due_dates(year: int, first_month: int, instalments: int) -> list[datetime.date]:
    """The 1st of *first_month* of *year* and of each following month (into the next year if need be)."""
    dates = []
    for offset in range(instalments):
        month_index = first_month - 1 + offset
        dates.append(datetime.date(year + month_index // 12, month_index % 12 + 1, 1))
    return dates


def whole_months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole calendar months from *start* to *end* (0 if *end* is not after *start*).

    31 January to 28 February is a whole month: a month-end counts as reaching
    a later day of the month that the shorter month lacks.
    """
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        next_day = end + datetime.timedelta(days=1)
        if next_day.month == end.month:  # not the last day of its month
            months -= 1
    return max(months, 0)


def penalty_amount(
    *, tax_amount: int, basis_points_per_month: int, grace_days: int, due_date: datetime.date, on_date: datetime.date
) -> int:
    """The late penalty on *tax_amount* (minor units) owed since *due_date*, as of *on_date*.

    Zero until *grace_days* have passed after the due date; then the monthly
    rate for each whole month since the due date, simple (on the tax only),
    rounded half to even.
    """
    if basis_points_per_month <= 0 or (on_date - due_date).days <= grace_days:
        return 0
    months = whole_months_between(due_date, on_date)
    return divide_half_even(tax_amount * basis_points_per_month * months, BASIS_POINTS)


def rate_text(basis_points: int) -> str:
    """A rate in basis points as people read it in the current language: 125 → "1.25%"."""
    number = formats.number_format(Decimal(basis_points) / 100, decimal_pos=2)
    return _("%(rate)s%%") % {"rate": number}


# --- who may manage taxes ------------------------------------------------------------------


class TaxPolicy(AgencyAdminPolicy[Tax]):
    """Agency admins manage their own agencies' taxes; nobody else manages any.

    Others get 403 from :meth:`can`; an admin asking for another agency's tax
    is told it does not exist (404 through :func:`~ecitizen.core.policies.access`).
    """

    model = Tax
    ACTIONS = frozenset({"view", "create", "edit", "import", "generate"})


tax_policy = TaxPolicy()


# --- selectors ------------------------------------------------------------------------------


def taxes_for_admin(user: Any) -> QuerySet[Tax]:
    return tax_policy.scope(user, "view").select_related("agency").order_by("agency__name", "code")


def assessment_years(tax: Tax) -> list[dict[str, Any]]:
    """Per year with assessments, newest first: how many assessments, bills, and bills paid."""
    assessed = dict(TaxAssessment.objects.filter(tax=tax).values_list("year").annotate(n=Count("id")).order_by("year"))
    bills = (
        Bill.objects.filter(assessment__tax=tax)
        .values("assessment__year")
        .annotate(total=Count("id"), paid=Count("id", filter=Q(status=BillStatus.PAID)))
        .order_by()
    )
    billed = {row["assessment__year"]: row for row in bills}
    return [
        {
            "year": year,
            "assessments": count,
            "bills": billed.get(year, {}).get("total", 0),
            "paid": billed.get(year, {}).get("paid", 0),
        }
        for year, count in sorted(assessed.items(), reverse=True)
    ]


def tax_bills(tax: Tax, *, year: int | None = None) -> QuerySet[Bill]:
    bills = Bill.objects.filter(assessment__tax=tax).select_related("assessment").order_by("reference")
    if year is not None:
        bills = bills.filter(assessment__year=year)
    return bills


def active_taxes() -> QuerySet[Tax]:
    """Taxes the public is charged now: active, of active agencies."""
    return Tax.objects.filter(is_active=True, agency__is_active=True).select_related("agency").order_by("code")


def _verified_index(user: Any) -> str:
    """The national ID blind index of *user*'s verified profile, or "" if they are not verified."""
    from ecitizen.accounts.models import Profile

    if not getattr(user, "is_authenticated", False):
        return ""
    profile = Profile.objects.filter(user=user, identity_verified=True).only("national_id_index").first()
    return (profile.national_id_index if profile else "") or ""


def claimable_bills(user: Any) -> QuerySet[Bill]:
    """Bills *user* owes: their own, and tax bills made out to nobody yet whose payer's
    national ID matches *user*'s verified identity (imported before they had an account)."""
    if not getattr(user, "is_authenticated", False):
        return Bill.objects.none()
    mine = Q(payer=user)
    index = _verified_index(user)
    if index:  # an empty index must never match the bills of everyone without one
        mine |= Q(payer__isnull=True, payer_national_id_index=index)
    return Bill.objects.filter(mine).select_related("agency").order_by("due_date", "id")


@dataclass(frozen=True)
class TaxTerms:
    """A tax as the fee schedule states it."""

    tax: Tax
    rate: str
    due_dates: list[datetime.date]
    penalty_rate: str


@dataclass
class AgencyCharges:
    agency: Agency
    services: list[dict[str, Any]] = field(default_factory=list)
    taxes: list[TaxTerms] = field(default_factory=list)


def fee_schedule() -> list[AgencyCharges]:
    """Every published service's fee and every active tax, grouped by agency (by name)."""
    from ecitizen.catalogue.selectors import published_services

    groups: dict[int, AgencyCharges] = {}
    for service in published_services():
        snapshot = service.current_version.snapshot
        group = groups.setdefault(service.agency_id, AgencyCharges(agency=service.agency))
        group.services.append(
            {"slug": snapshot.get("slug", service.slug), "title": snapshot.get("title"), "fee": snapshot.get("fee")}
        )
    year = timezone.localdate().year
    for tax in active_taxes():
        group = groups.setdefault(tax.agency_id, AgencyCharges(agency=tax.agency))
        group.taxes.append(
            TaxTerms(
                tax=tax,
                rate=rate_text(tax.rate_basis_points),
                due_dates=instalment_due_dates(year, tax.first_due_month, tax.instalments),
                penalty_rate=rate_text(tax.penalty_basis_points_per_month),
            )
        )
    for group in groups.values():
        group.services.sort(key=lambda s: pick(s["title"]).casefold())
    return sorted(groups.values(), key=lambda g: g.agency.name.casefold())


# --- services: taxes ---------------------------------------------------------------------------


def _texts(value: Any) -> dict[str, str]:
    languages = {code for code, _name in settings.LANGUAGES}
    if not isinstance(value, dict):
        return {}
    return {lang: str(text).strip() for lang, text in value.items() if lang in languages and str(text or "").strip()}


def _int_in(data: dict, name: str, low: int, high: int, message: str, errors: dict) -> int | None:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors[name] = message
        return None
    return value


def _unique_code(agency: Agency, name: str) -> str:
    base = slugify(name)[:36].strip("-") or "tax"
    code, n = base, 2
    while Tax.objects.filter(agency=agency, code=code).exists():
        code = f"{base}-{n}"
        n += 1
    return code


@transaction.atomic
def tax_save(*, actor: Any, agency: Agency, data: dict[str, Any], tax: Tax | None = None) -> Tax:
    """Create a tax for *agency*, or change *tax* (which must be *agency*'s).

    *data*: ``name`` ({language: text}, English required), ``currency``,
    ``rate_basis_points`` (1–10000), ``instalments`` (1–12), ``first_due_month``
    (1–12), ``penalty_basis_points_per_month`` (0–1000),
    ``penalty_grace_days`` (0–365), optional ``is_active`` and ``code``.
    Bills already generated keep their amounts; a changed penalty rule applies
    from the next penalty run. The currency cannot change once assessments
    exist (their values are in it). Raises ValidationError keyed by field.
    One ``tax.created`` / ``tax.updated`` audit row; none if nothing changed.
    """
    if tax is not None and tax.agency_id != agency.pk:
        raise ValueError("The tax belongs to another agency.")
    errors: dict[str, str] = {}
    name = _texts(data.get("name"))
    if not name.get(settings.LANGUAGE_CODE):
        errors["name"] = _("Enter the tax's name in English.")
    elif any(len(text) > 200 for text in name.values()):
        errors["name"] = _("Names must be 200 characters or fewer.")
    currency = data.get("currency") or (tax.currency if tax else "")
    if currency not in CURRENCIES:
        errors["currency"] = _("Choose a currency from the list.")
    values = {
        "rate_basis_points": _int_in(
            data, "rate_basis_points", 1, MAX_RATE_BASIS_POINTS, _("Enter a rate between 0.01% and 100%."), errors
        ),
        "instalments": _int_in(
            data, "instalments", 1, MAX_INSTALMENTS, _("Enter between 1 and 12 instalments."), errors
        ),
        "first_due_month": _int_in(
            data, "first_due_month", 1, 12, _("Choose the month of the first instalment."), errors
        ),
        "penalty_basis_points_per_month": _int_in(
            data,
            "penalty_basis_points_per_month",
            0,
            MAX_PENALTY_BASIS_POINTS,
            _("Enter a monthly penalty between 0% and 10%."),
            errors,
        ),
        "penalty_grace_days": _int_in(
            data, "penalty_grace_days", 0, MAX_GRACE_DAYS, _("Enter between 0 and 365 days of grace."), errors
        ),
    }
    if tax is not None and currency != tax.currency and tax.assessments.exists():
        errors["currency"] = _("The currency cannot change once assessments have been imported.")
    if errors:
        raise ValidationError(errors)

    creating = tax is None
    if creating:
        code = data.get("code") or _unique_code(agency, name[settings.LANGUAGE_CODE])
        if Tax.objects.filter(agency=agency, code=code).exists():
            raise ValidationError({"code": _("Another tax of this agency already uses this code.")})
        tax = Tax(agency=agency, code=code)
    else:
        tax = Tax.objects.select_for_update().get(pk=tax.pk)
    wanted = {"name": name, "currency": currency, **values, "is_active": bool(data.get("is_active", True))}
    changed = [key for key, value in wanted.items() if getattr(tax, key) != value]
    if not creating and not changed:
        return tax
    for key, value in wanted.items():
        setattr(tax, key, value)
    tax.full_clean(exclude=["agency", "description"], validate_unique=False)
    tax.save()
    audit_record(
        actor=actor,
        action=AuditAction.TAX_CREATED if creating else AuditAction.TAX_UPDATED,
        subject=tax,
        agency=agency,
        extra={"code": tax.code, "fields": changed if not creating else sorted(wanted)},
    )
    return tax


# --- services: importing assessments -----------------------------------------------------------


@dataclass
class ImportResult:
    """What an import did, or why it did nothing: ``errors`` in plain words, by line."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    matched: int = 0
    errors: list[str] = field(default_factory=list)
    more_errors: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, line: int | None, problem: str) -> None:
        if len(self.errors) >= MAX_REPORTED_ERRORS:
            self.more_errors += 1
            return
        if line is None:
            self.errors.append(problem)
        else:
            self.errors.append(_("Line %(line)s: %(problem)s") % {"line": line, "problem": problem})


@dataclass
class _Row:
    line: int
    subject_ref: str
    subject_description: str
    payer_name: str
    national_id_index: str
    payer_email: str
    assessed_value: int


_MONEY_PROBLEMS = {
    "invalid": lambda: _("the assessed value must be a number like 185000.00."),
    "negative": lambda: _("the assessed value cannot be negative."),
    "decimals": lambda: _("the assessed value has more decimal places than the currency has."),
    "too_large": lambda: _("the assessed value is too large."),
}


def _read_text(file: Any, result: ImportResult) -> str | None:
    limit = settings.UPLOAD_MAX_BYTES
    raw = file.read(limit + 1) if hasattr(file, "read") else file
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > limit:
        result.add_error(
            None, _("The file is too large. Split it into files of under %(size)s MB.") % {"size": limit // 2**20}
        )
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.add_error(None, _("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."))
        return None


def _parse_rows(text: str, tax: Tax, result: ImportResult) -> list[_Row]:
    from ecitizen.exchange.selectors import national_id_blind_index

    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        result.add_error(None, _("The file is empty."))
        return []
    except csv.Error:
        result.add_error(1, _("the column names cannot be read."))
        return []
    columns = [name.strip().lower().replace(" ", "_") for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        result.add_error(
            1, _("the file has no column named %(names)s.") % {"names": ", ".join(f"“{name}”" for name in missing)}
        )
        return []
    position = {name: columns.index(name) for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if name in columns}
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    count = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            result.add_error(reader.line_num, _("this line cannot be read (check its quotation marks)."))
            break
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        count += 1
        if count > MAX_IMPORT_ROWS:
            result.add_error(
                None, _("The file has more than %(max)s rows. Split it into smaller files.") % {"max": MAX_IMPORT_ROWS}
            )
            break

        def cell(name: str, cells: list[str] = cells) -> str:
            index = position.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        problems: list[str] = []
        subject_ref = cell("subject_ref")
        if not subject_ref:
            problems.append(_("enter the property or subject reference (subject_ref)."))
        elif len(subject_ref) > 64:
            problems.append(_("the subject reference must be 64 characters or fewer."))
        elif subject_ref in seen:
            problems.append(
                _("the subject reference “%(ref)s” is also on line %(other)s.")
                % {"ref": subject_ref, "other": seen[subject_ref]}
            )
        else:
            seen[subject_ref] = line
        description = cell("subject_description")
        if len(description) > 300:
            problems.append(_("the subject description must be 300 characters or fewer."))
        payer_name = cell("payer_name")
        if not payer_name:
            problems.append(_("enter the payer's name."))
        elif len(payer_name) > 200:
            problems.append(_("the payer's name must be 200 characters or fewer."))
        national_id = cell("national_id")
        index = ""
        if national_id:
            normalised = normalise_identifier(national_id)
            if not 4 <= len(normalised) <= 30:
                # The ID itself is not repeated: error lists get copied into emails and tickets.
                problems.append(_("the national ID is not valid (it needs 4 to 30 letters or digits)."))
            else:
                index = national_id_blind_index(national_id)
        email = cell("payer_email").lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(_("the payer's email address is not valid."))
        if not national_id and not email:
            problems.append(_("enter the payer's national ID or email address."))
        value_text = cell("assessed_value")
        value = 0
        if not value_text:
            problems.append(_("enter the assessed value."))
        else:
            try:
                value = parse_amount(value_text, tax.currency, maximum=MAX_ASSESSED_VALUE)
            except MoneyError as exc:
                problems.append(_MONEY_PROBLEMS[exc.code]() if exc.code in _MONEY_PROBLEMS else exc.message)
        for problem in problems:
            result.add_error(line, problem)
        if not problems:
            rows.append(_Row(line, subject_ref, description, payer_name, index, email, value))
    if count == 0 and result.ok:
        result.add_error(None, _("The file has no assessments under its column names."))
    return rows


def _payers(rows: list[_Row]) -> tuple[dict[str, int], dict[str, int]]:
    """User ids by national ID index (verified identities) and by verified email address."""
    from allauth.account.models import EmailAddress

    from ecitizen.accounts.models import Profile

    indexes = {row.national_id_index for row in rows if row.national_id_index}
    emails = {row.payer_email for row in rows if row.payer_email}
    by_index = dict(
        Profile.objects.filter(national_id_index__in=indexes, identity_verified=True).values_list(
            "national_id_index", "user_id"
        )
    )
    by_email = {
        email.lower(): user_id
        for email, user_id in EmailAddress.objects.filter(email__in=emails, verified=True).values_list(
            "email", "user_id"
        )
    }
    return by_index, by_email


@transaction.atomic
def assessments_import_csv(*, actor: Any, tax: Tax, year: int, file: Any) -> ImportResult:
    """Import *tax*'s assessments for *year* from a CSV *file* (bytes, text or a file object).

    Columns: ``subject_ref``, ``subject_description``, ``payer_name``,
    ``national_id``, ``assessed_value`` (major units, e.g. ``185000.00``) and
    optionally ``payer_email``; a row needs a national ID or an email. Every
    row is checked first; if any is wrong nothing is imported and the result
    lists every problem by line. A subject already assessed that year is
    updated, unless its bills exist and the row changes it (an error).
    Payers are matched to accounts by national ID (verified identities only)
    or verified email; only the ID's blind index is kept. One
    ``tax.assessments_imported`` audit row when anything was imported.
    """
    result = ImportResult()
    if not 2000 <= int(year) <= 2100:
        result.add_error(None, _("Enter a year between 2000 and 2100."))
        return result
    text = _read_text(file, result)
    rows = _parse_rows(text, tax, result) if text is not None else []
    if not result.ok:
        return result

    Tax.objects.select_for_update().get(pk=tax.pk)  # one import or bill run of a tax at a time
    existing = {
        assessment.subject_ref: assessment
        for assessment in TaxAssessment.objects.filter(
            tax=tax, year=year, subject_ref__in=[row.subject_ref for row in rows]
        )
    }
    billed = set(Bill.objects.filter(assessment__in=list(existing.values())).values_list("assessment_id", flat=True))
    by_index, by_email = _payers(rows)
    new: list[TaxAssessment] = []
    changed: list[TaxAssessment] = []
    newly_matched: list[TaxAssessment] = []
    for row in rows:
        payer_id = by_index.get(row.national_id_index) or by_email.get(row.payer_email)
        result.matched += int(payer_id is not None)
        fields = {
            "subject_description": row.subject_description,
            "payer_id": payer_id,
            "payer_name": row.payer_name,
            "payer_national_id_index": row.national_id_index,
            "assessed_value": row.assessed_value,
        }
        current = existing.get(row.subject_ref)
        if current is None:
            new.append(TaxAssessment(tax=tax, year=year, subject_ref=row.subject_ref, **fields))
            continue
        differs = {name for name, value in fields.items() if getattr(current, name) != value}
        if not differs:
            result.unchanged += 1
        elif current.pk in billed and (differs != {"payer_id"} or current.payer_id is not None):
            result.add_error(
                row.line,
                _("bills for “%(ref)s” for %(year)s have been made already, so its assessment cannot change.")
                % {"ref": row.subject_ref, "year": year},
            )
        else:
            for name, value in fields.items():
                setattr(current, name, value)
            changed.append(current)
            if current.pk in billed:  # billed before its payer had an account: the bills follow
                newly_matched.append(current)
    if not result.ok:
        result.matched = 0
        return result
    TaxAssessment.objects.bulk_create(new, batch_size=1000)
    if changed:
        TaxAssessment.objects.bulk_update(changed, list(fields), batch_size=1000)
    for assessment in newly_matched:
        Bill.objects.filter(assessment=assessment, payer__isnull=True).update(payer_id=assessment.payer_id)
    result.created, result.updated = len(new), len(changed)
    if new or changed:
        audit_record(
            actor=actor,
            action=AuditAction.TAX_ASSESSMENTS_IMPORTED,
            subject=tax,
            agency=tax.agency,
            extra={
                "year": int(year),
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "matched": result.matched,
                "file": str(getattr(file, "name", ""))[:100],
            },
        )
    return result


# --- services: bills -------------------------------------------------------------------------


def _localised(tax: Tax, build) -> dict[str, str]:
    """{language: text} built by ``build(tax_name)`` in each configured language."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = build(tax.name.get(code) or tax.name.get(settings.LANGUAGE_CODE) or tax.code)
    return texts


def _bill_description(tax: Tax, assessment: TaxAssessment, instalment: int, count: int) -> dict[str, str]:
    subject = assessment.subject_description or assessment.subject_ref

    def build(name: str) -> str:
        if count == 1:
            return _("%(tax)s %(year)s: %(subject)s") % {"tax": name, "year": assessment.year, "subject": subject}
        return _("%(tax)s %(year)s, instalment %(number)s of %(count)s: %(subject)s") % {
            "tax": name,
            "year": assessment.year,
            "number": instalment,
            "count": count,
            "subject": subject,
        }

    return _localised(tax, build)


def _next_bill_number(agency: Agency, year: int) -> int:
    prefix = f"{agency.code}-T-{year}-"
    last = (
        Bill.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    return int(last[len(prefix) :]) + 1 if last else 1


@transaction.atomic
def bills_generate(*, actor: Any, tax: Tax, year: int) -> int:
    """Make *tax*'s bills for *year*: per assessment, one per instalment; returns how many were made.

    Idempotent: an instalment already billed is skipped (and the database
    refuses a second bill for it), so running it again makes none. An
    instalment of zero (a tiny or zero assessment) gets no bill. References
    are ``<agency code>-T-<year>-<6 digits>``, numbered on from the agency's
    last tax bill of that year. One ``tax.bills_generated`` audit row when any
    bill was made. Raises ValidationError for an inactive tax or when the
    year's six-digit numbers run out.
    """
    if not tax.is_active:
        raise ValidationError(_("This tax is not active, so no bills can be made for it."), code="inactive")
    # Serialises bill numbering for the agency, then imports and bill runs of this tax.
    agency = Agency.objects.select_for_update().get(pk=tax.agency_id)
    tax = Tax.objects.select_for_update().get(pk=tax.pk)
    billed = set(
        Bill.objects.filter(assessment__tax=tax, assessment__year=year).values_list("assessment_id", "instalment")
    )
    due_dates = instalment_due_dates(year, tax.first_due_month, tax.instalments)
    number = _next_bill_number(agency, year)
    bills: list[Bill] = []
    lines: list[tuple[int, dict]] = []
    for assessment in TaxAssessment.objects.filter(tax=tax, year=year).order_by("subject_ref").iterator():
        parts = split_instalments(annual_amount(assessment.assessed_value, tax.rate_basis_points), tax.instalments)
        for instalment, (amount, due_date) in enumerate(zip(parts, due_dates, strict=True), start=1):
            if amount <= 0 or (assessment.pk, instalment) in billed:
                continue
            if number >= 10**BILL_NUMBER_DIGITS:
                raise ValidationError(_("No bill numbers are left for %(year)s.") % {"year": year}, code="numbers")
            description = _bill_description(tax, assessment, instalment, tax.instalments)
            bills.append(
                Bill(
                    reference=f"{agency.code}-T-{year}-{number:0{BILL_NUMBER_DIGITS}d}",
                    agency=agency,
                    payer_id=assessment.payer_id,
                    payer_name=assessment.payer_name,
                    payer_national_id_index=assessment.payer_national_id_index,
                    assessment=assessment,
                    instalment=instalment,
                    description=description,
                    currency=tax.currency,
                    total=amount,
                    due_date=due_date,
                )
            )
            lines.append((amount, description))
            number += 1
    created = Bill.objects.bulk_create(bills, batch_size=500)
    BillLine.objects.bulk_create(
        [
            BillLine(bill=bill, kind=LineKind.TAX, description=description, amount=amount)
            for bill, (amount, description) in zip(created, lines, strict=True)
        ],
        batch_size=500,
    )
    if created:
        audit_record(
            actor=actor,
            action=AuditAction.TAX_BILLS_GENERATED,
            subject=tax,
            agency=agency,
            extra={
                "year": int(year),
                "bills": len(created),
                "first": created[0].reference,
                "last": created[-1].reference,
            },
        )
    return len(created)


def _penalty_description(tax: Tax, months: int) -> dict[str, str]:
    def build(_name: str) -> str:
        return ngettext(
            "Late payment penalty: %(months)s month at %(rate)s a month",
            "Late payment penalty: %(months)s months at %(rate)s a month",
            months,
        ) % {"months": months, "rate": rate_text(tax.penalty_basis_points_per_month)}

    return _localised(tax, build)


@transaction.atomic
def penalties_apply(*, on_date: datetime.date) -> int:
    """Set the late penalty of every unpaid tax bill as of *on_date*; returns how many bills changed.

    Each open tax bill gets one PENALTY line equal to :func:`penalty_amount`
    of its tax lines (recomputed, never added to the last one, so a second run
    for the same date changes nothing), and its total is updated. A bill with
    a payment in progress is left alone: the payer is paying the amount they
    were shown. The penalty rule is the tax's current one. One
    ``tax.penalties_applied`` audit row per agency whose bills changed.
    """
    bills = (
        Bill.objects.select_for_update(of=("self",))
        .filter(status=BillStatus.OPEN, assessment__isnull=False, due_date__lt=on_date)
        .exclude(payments__status__in=IN_PROGRESS)
        .select_related("assessment__tax")
        .prefetch_related("lines")
        .order_by("id")
    )
    changed_by_agency: dict[int, list[str]] = defaultdict(list)
    for bill in bills:
        tax = bill.assessment.tax
        lines = list(bill.lines.all())
        tax_amount = sum(line.amount for line in lines if line.kind == LineKind.TAX)
        penalty = penalty_amount(
            tax_amount=tax_amount,
            basis_points_per_month=tax.penalty_basis_points_per_month,
            grace_days=tax.penalty_grace_days,
            due_date=bill.due_date,
            on_date=on_date,
        )
        existing = next((line for line in lines if line.kind == LineKind.PENALTY), None)
        if existing is None and penalty == 0:
            continue
        if existing is not None and existing.amount == penalty:
            continue
        if penalty == 0:
            existing.delete()
        else:
            months = whole_months_between(bill.due_date, on_date)
            description = _penalty_description(tax, months)
            if existing is None:
                BillLine.objects.create(bill=bill, kind=LineKind.PENALTY, description=description, amount=penalty)
            else:
                BillLine.objects.filter(pk=existing.pk).update(amount=penalty, description=description)
        bill.total = sum(line.amount for line in lines if line.kind != LineKind.PENALTY) + penalty
        bill.save(update_fields=["total", "updated_at"])
        changed_by_agency[bill.agency_id].append(bill.reference)
    for agency_id, references in changed_by_agency.items():
        audit_record(
            actor=None,
            action=AuditAction.TAX_PENALTIES_APPLIED,
            agency=Agency(pk=agency_id),
            extra={"on_date": on_date.isoformat(), "bills": len(references), "references": references[:50]},
        )
    return sum(len(references) for references in changed_by_agency.values())


@transaction.atomic
def bills_claim(*, user: Any) -> int:
    """Make *user* the payer of the tax bills and assessments made out to nobody whose
    payer's national ID matches *user*'s verified identity; returns how many bills.

    Nothing for a user who is not verified. One ``tax.bills_claimed`` audit row
    when any bill was claimed.
    """
    index = _verified_index(user)
    if not index:
        return 0
    bills = list(
        Bill.objects.select_for_update()
        .filter(payer__isnull=True, payer_national_id_index=index)
        .values_list("pk", "reference")
    )
    assessments = TaxAssessment.objects.filter(payer__isnull=True, payer_national_id_index=index).update(payer=user)
    if not bills and not assessments:
        return 0
    Bill.objects.filter(pk__in=[pk for pk, _ref in bills]).update(payer=user, updated_at=timezone.now())
    audit_record(
        actor=user,
        action=AuditAction.TAX_BILLS_CLAIMED,
        subject_user=user,
        extra={"bills": [reference for _pk, reference in bills][:50], "count": len(bills), "assessments": assessments},
    )
    return len(bills)


# --- the daily task ------------------------------------------------------------------------------


@task()
def penalties_apply_task(on_date: str | None = None) -> int:
    """Apply late penalties as of *on_date* (ISO date; today in the deployment's time zone if None)."""
    day = datetime.date.fromisoformat(on_date) if on_date else timezone.localdate()
    changed = penalties_apply(on_date=day)
    logger.info("Late penalties as of %s: %s bills changed", day, changed)
    return changed

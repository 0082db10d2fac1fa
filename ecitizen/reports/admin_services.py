"""Agency admins' writes for Report a problem: report categories and the areas an agency serves.

Each function: one transaction, the actor passed in, an audit row per object
saved. Errors people can fix raise ``ValidationError`` with a dict of field
names (``code``, ``questions``, ``file``...) and nothing is saved.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ecitizen.agencies.models import Agency
from ecitizen.catalogue.patterns import invalid_pattern_message, pattern_problem
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.reports import geo
from ecitizen.reports.area_links import relink_area_later
from ecitizen.reports.models import Area, Category
from ecitizen.reports.policies import area_policy, category_policy

LANGUAGES = [code for code, _name in settings.LANGUAGES]
DEFAULT_LANGUAGE = settings.LANGUAGE_CODE
DATATYPES = ("string", "number", "text", "singlevaluelist")
QUESTION_KEYS = frozenset({"code", "label", "datatype", "required", "values", "hint", "pattern", "pattern_message"})
PATTERN_DATATYPES = ("string", "text")
MAX_QUESTIONS = 20
MAX_VALUES = 50
_QUESTION_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_VALUE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


# --- extra questions ------------------------------------------------------------------


def _texts(value: Any, *, where: str, what: str, required: bool) -> dict[str, str]:
    """A {language: text} dict (a plain string counts as the default language's text)."""
    if isinstance(value, str):
        value = {DEFAULT_LANGUAGE: value}
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ValidationError(
            _("%(where)s: %(what)s must be a text or an object of texts by language code")
            % {"where": where, "what": what}
        )
    texts = {}
    for language, text in value.items():
        if language not in LANGUAGES:
            raise ValidationError(
                _("%(where)s: %(language)s is not one of the languages %(languages)s")
                % {"where": where, "language": language, "languages": ", ".join(LANGUAGES)}
            )
        if not isinstance(text, str) or len(text) > 300:
            raise ValidationError(
                _("%(where)s: each %(what)s must be a text of 300 characters or fewer") % {"where": where, "what": what}
            )
        if text.strip():
            texts[language] = text.strip()
    if required and not texts.get(DEFAULT_LANGUAGE):
        raise ValidationError(_('%(where)s: give the %(what)s in English ("en")') % {"where": where, "what": what})
    return texts


def validate_questions(raw: Any) -> list[dict]:
    """Parse and check the extra questions (JSON text or a list), returning them in normal form.

    The shape is the one :class:`~ecitizen.reports.models.Category` documents. Raises
    ``ValidationError`` with one message that says which question is wrong and why.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise ValidationError(
                _("The questions are not valid JSON (line %(line)s, column %(column)s: %(problem)s)")
                % {"line": exc.lineno, "column": exc.colno, "problem": exc.msg}
            ) from exc
    if not isinstance(raw, list):
        raise ValidationError(_("The questions must be a JSON list: [ {…}, {…} ]"))
    if len(raw) > MAX_QUESTIONS:
        raise ValidationError(_("Ask no more than %(limit)s extra questions") % {"limit": MAX_QUESTIONS})
    questions, codes = [], set()
    for number, item in enumerate(raw, start=1):
        where = _("Question %(number)s") % {"number": number}
        if not isinstance(item, dict):
            raise ValidationError(_('%(where)s must be a JSON object: {"code": …, "label": …}') % {"where": where})
        unknown = sorted(set(item) - QUESTION_KEYS)
        if unknown:
            raise ValidationError(
                _("%(where)s: unknown key %(keys)s (allowed: %(allowed)s)")
                % {"where": where, "keys": ", ".join(unknown), "allowed": ", ".join(sorted(QUESTION_KEYS))}
            )
        code = item.get("code")
        if not isinstance(code, str) or not _QUESTION_CODE.match(code):
            raise ValidationError(
                _("%(where)s: the code must start with a lower-case letter and use only a-z, 0-9 and _ (40 at most)")
                % {"where": where}
            )
        if code in codes:
            raise ValidationError(_("%(where)s: the code %(code)s is used twice") % {"where": where, "code": code})
        codes.add(code)
        label = _texts(item.get("label"), where=where, what=_("label"), required=True)
        hint = _texts(item.get("hint"), where=where, what=_("hint"), required=False)
        datatype = item.get("datatype", "string")
        if datatype not in DATATYPES:
            raise ValidationError(
                _("%(where)s: the datatype must be one of %(types)s") % {"where": where, "types": ", ".join(DATATYPES)}
            )
        required = item.get("required", False)
        if not isinstance(required, bool):
            raise ValidationError(_("%(where)s: required must be true or false") % {"where": where})
        question: dict[str, Any] = {"code": code, "label": label, "datatype": datatype, "required": required}
        if hint:
            question["hint"] = hint
        question.update(_pattern(item, where=where, datatype=datatype))
        values = item.get("values")
        if datatype == "singlevaluelist":
            if not isinstance(values, list) or not values:
                raise ValidationError(
                    _('%(where)s: a singlevaluelist needs "values": a list of {"key": …, "name": …}') % {"where": where}
                )
            if len(values) > MAX_VALUES:
                raise ValidationError(
                    _("%(where)s: offer no more than %(limit)s values") % {"where": where, "limit": MAX_VALUES}
                )
            keys, clean_values = set(), []
            for option in values:
                if not isinstance(option, dict) or set(option) - {"key", "name"}:
                    raise ValidationError(
                        _('%(where)s: each value must be an object with a "key" and a "name"') % {"where": where}
                    )
                key = option.get("key")
                if not isinstance(key, str) or not _VALUE_KEY.match(key):
                    raise ValidationError(
                        _("%(where)s: each value's key must be 1 to 40 letters, digits, hyphens or underscores")
                        % {"where": where}
                    )
                if key in keys:
                    raise ValidationError(_("%(where)s: the key %(key)s is used twice") % {"where": where, "key": key})
                keys.add(key)
                name = _texts(option.get("name"), where=where, what=_("value name"), required=True)
                clean_values.append({"key": key, "name": name})
            question["values"] = clean_values
        elif values not in (None, []):
            raise ValidationError(_("%(where)s: only a singlevaluelist question has values") % {"where": where})
        questions.append(question)
    return questions


def _pattern(item: dict, *, where: str, datatype: str) -> dict[str, Any]:
    """The question's optional ``pattern`` (checked with RE2, never Python's re) and its message."""
    pattern = item.get("pattern")
    message = _texts(item.get("pattern_message"), where=where, what=_("pattern message"), required=False)
    if pattern in (None, ""):
        if message:
            raise ValidationError(_("%(where)s: a pattern message needs a pattern") % {"where": where})
        return {}
    if datatype not in PATTERN_DATATYPES:
        raise ValidationError(_("%(where)s: only a string or text question can have a pattern") % {"where": where})
    if not isinstance(pattern, str):
        raise ValidationError(_("%(where)s: the pattern must be a text") % {"where": where})
    problem = pattern_problem(pattern)
    if problem is not None:
        raise ValidationError(
            _("%(where)s: %(problem)s") % {"where": where, "problem": invalid_pattern_message(problem)}
        )
    return {"pattern": pattern, **({"pattern_message": message} if message else {})}


# --- categories -----------------------------------------------------------------------


@transaction.atomic
def category_save(
    *, actor: Any, agency: Agency | None = None, category: Category | None = None, data: dict[str, Any]
) -> Category:
    """Create a category for *agency*, or update *category*; *data* holds the editor's cleaned values.

    ``data``: code (creation only; a category's code never changes, because
    reports and Open311 apps refer to it), name/guidance/group ({lang: text}),
    keywords, response_days, is_active, questions (list or JSON text).
    """
    errors: dict[str, Any] = {}
    creating = category is None
    if creating:
        if agency is None:
            raise ValueError("agency is needed to create a category")
        if not category_policy.can_create_in(actor, agency):
            raise PermissionDenied
        category = Category(agency=agency, code=(data.get("code") or "").strip())
        try:
            Category._meta.get_field("code").run_validators(category.code)
        except ValidationError as exc:
            errors["code"] = exc.messages
        if not category.code:
            errors["code"] = [_("Enter a code")]
        elif Category.objects.filter(agency=agency, code=category.code).exists():
            errors["code"] = [_("Your agency already has a category with this code")]
    else:
        category = Category.objects.select_for_update(of=("self",)).select_related("agency").get(pk=category.pk)
        if not category_policy.can_for(actor, "edit", category):
            raise PermissionDenied
    name = {k: v for k, v in (data.get("name") or {}).items() if v}
    if not name.get(DEFAULT_LANGUAGE):
        errors["name"] = [_("Enter the name in English")]
    try:
        questions = validate_questions(data.get("questions"))
    except ValidationError as exc:
        errors["questions"] = exc.messages
    response_days = data.get("response_days")
    if not isinstance(response_days, int) or not 1 <= response_days <= 365:
        errors["response_days"] = [_("Enter a number of working days from 1 to 365")]
    if errors:
        raise ValidationError(errors)
    changed = [] if creating else _category_changes(category, data, name, questions)
    category.name = name
    category.guidance = {k: v for k, v in (data.get("guidance") or {}).items() if v}
    category.group = {k: v for k, v in (data.get("group") or {}).items() if v}
    category.keywords = (data.get("keywords") or "").strip()[:200]
    category.response_days = response_days
    category.is_active = bool(data.get("is_active", True))
    category.questions = questions
    category.save()
    audit_record(
        actor=actor,
        action=AuditAction.REPORT_CATEGORY_SAVED,
        subject=category,
        agency=category.agency,
        extra={"code": category.code, "created": creating, "changed": changed},
    )
    return category


def _category_changes(category: Category, data: dict, name: dict, questions: list) -> list[str]:
    current = {
        "name": category.name,
        "guidance": category.guidance,
        "group": category.group,
        "keywords": category.keywords,
        "response_days": category.response_days,
        "is_active": category.is_active,
        "questions": category.questions,
    }
    new = {
        "name": name,
        "guidance": {k: v for k, v in (data.get("guidance") or {}).items() if v},
        "group": {k: v for k, v in (data.get("group") or {}).items() if v},
        "keywords": (data.get("keywords") or "").strip()[:200],
        "response_days": data.get("response_days"),
        "is_active": bool(data.get("is_active", True)),
        "questions": questions,
    }
    return [field for field in current if current[field] != new[field]]


# --- areas ----------------------------------------------------------------------------

MAX_AREA_FILE = 2 * 1024 * 1024


def read_geojson_file(file: Any) -> Any:
    """The JSON in an uploaded file (2 MB at most). Raises ValidationError({"file": ...})."""
    if file is None:
        raise ValidationError({"file": _("Choose a GeoJSON file")})
    if file.size > MAX_AREA_FILE:
        raise ValidationError({"file": _("The file must be smaller than 2 MB")})
    raw = file.read(MAX_AREA_FILE + 1)
    if not raw:
        raise ValidationError({"file": _("The selected file is empty")})
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ValidationError({"file": _("The file must be text in UTF-8")}) from exc
    except ValueError as exc:
        raise ValidationError({"file": _("The file is not valid JSON.")}) from exc


def _feature_name(feature: Any) -> dict[str, str]:
    """A feature's ``name`` property: a text (in the default language) or {lang: text}."""
    props = feature.get("properties") if isinstance(feature, dict) else None
    name = (props or {}).get("name")
    if isinstance(name, str):
        return {DEFAULT_LANGUAGE: name.strip()[:200]} if name.strip() else {}
    if isinstance(name, dict):
        return {k: v.strip()[:200] for k, v in name.items() if k in LANGUAGES and isinstance(v, str) and v.strip()}
    return {}


def shapes_from_geojson(data: Any, *, split: bool, name: dict[str, str]) -> list[tuple[dict, dict]]:
    """The (name, MultiPolygon) of each area to make from uploaded GeoJSON.

    Without *split*, the whole file is one area called *name* (or, when *name*
    is empty, the ``name`` property of its only feature). With *split*, each
    feature of a FeatureCollection becomes an area named by its ``name``
    property. Raises ValidationError({"file"|"name": ...}).
    """

    def parse(obj: Any, where: str = "") -> dict:
        try:
            return geo.parse_area_geojson(obj)
        except ValidationError as exc:
            message = " ".join(exc.messages)
            raise ValidationError({"file": f"{where}{message}"}) from exc

    if split:
        if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
            raise ValidationError({"file": _("Only a FeatureCollection can be split into one area per feature")})
        features = data.get("features")
        if not isinstance(features, list) or not features:
            raise ValidationError({"file": _("The FeatureCollection has no features")})
        shapes = []
        for number, feature in enumerate(features, start=1):
            where = _("Feature %(number)s: ") % {"number": number}
            feature_name = _feature_name(feature)
            if not feature_name.get(DEFAULT_LANGUAGE):
                raise ValidationError({"file": where + _('it needs a "name" property in English')})
            shapes.append((feature_name, parse(feature, where)))
        return shapes
    geometry = parse(data)
    if not name.get(DEFAULT_LANGUAGE):
        features = data.get("features") if isinstance(data, dict) else None
        only = features[0] if isinstance(features, list) and len(features) == 1 else data
        name = {**_feature_name(only), **name}
        if not name.get(DEFAULT_LANGUAGE):
            raise ValidationError({"name": _("Enter the area's name in English")})
    return [(name, geometry)]


def _check_area_owner(actor: Any, agency: Agency | None, action: str, area: Area | None = None) -> None:
    """Raise PermissionDenied unless *actor* may *action* areas of *agency* (or *area*, when given)."""
    if agency is None:
        allowed = actor is None or bool(getattr(actor, "is_superuser", False))
    elif area is not None:
        allowed = area_policy.can_for(actor, action, area)
    else:
        allowed = area_policy.can_create_in(actor, agency)
    if not allowed:
        raise PermissionDenied


def _area_audit(actor: Any, area: Area, *, created: bool, extra: dict | None = None) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.REPORT_AREA_SAVED,
        subject=area,
        agency=area.agency,
        extra={"created": created, "active": area.is_active, **(extra or {})},
    )


@transaction.atomic
def areas_import(
    *, actor: Any, agency: Agency | None, data: Any, split: bool = False, name: dict[str, str] | None = None
) -> list[Area]:
    """Make the areas described by uploaded GeoJSON *data* for *agency*; all of them or none.

    One audit row per area made. Only an agency admin of *agency* may add its
    areas; an area of no agency (a body outside the platform) is the platform's
    to add (a superuser, or the system with no actor).
    """
    _check_area_owner(actor, agency, "create")
    shapes = shapes_from_geojson(data, split=split, name={k: v for k, v in (name or {}).items() if v})
    areas = []
    for area_name, geometry in shapes:
        area = Area(agency=agency, name=area_name)
        area.set_geometry(geometry)
        area.save()
        relink_area_later(area)
        _area_audit(actor, area, created=True, extra={"bbox": [area.min_lng, area.min_lat, area.max_lng, area.max_lat]})
        areas.append(area)
    return areas


@transaction.atomic
def area_save(*, actor: Any, area: Area, name: dict[str, str] | None = None, geometry: Any = None) -> Area:
    """Rename an area or give it a new shape (validated GeoJSON)."""
    area = Area.objects.select_for_update(of=("self",)).select_related("agency").get(pk=area.pk)
    _check_area_owner(actor, area.agency, "edit", area)
    changed = []
    if name is not None:
        name = {k: v for k, v in name.items() if v}
        if not name.get(DEFAULT_LANGUAGE):
            raise ValidationError({"name": _("Enter the area's name in English")})
        if name != area.name:
            area.name, changed = name, [*changed, "name"]
    if geometry is not None:
        try:
            area.set_geometry(geo.parse_area_geojson(geometry))
        except ValidationError as exc:
            raise ValidationError({"file": exc.messages}) from exc
        changed.append("geometry")
    area.save()
    if "geometry" in changed:
        relink_area_later(area)
    _area_audit(actor, area, created=False, extra={"changed": changed})
    return area


@transaction.atomic
def area_set_active(*, actor: Any, area: Area, active: bool) -> Area:
    """Stop (or start again) routing reports to an area. Existing reports keep their area."""
    area = Area.objects.select_for_update(of=("self",)).select_related("agency").get(pk=area.pk)
    _check_area_owner(actor, area.agency, "edit", area)
    area.is_active = active
    area.save(update_fields=["is_active", "updated_at"])
    _area_audit(actor, area, created=False, extra={"changed": ["is_active"]})
    return area

"""Editing a form definition one step at a time, as the service editor does.

Pure functions: each takes a definition (see :mod:`ecitizen.catalogue.formdef`)
and returns a changed copy, never touching its argument. Steps name pages and
questions by id, so a step applies cleanly to the latest definition even if
someone else changed another part of it. A missing id raises :class:`LookupError`.
Whether the result is a valid form is :func:`formdef.validate_definition`'s job.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from django.utils.text import slugify

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")  # what formdef accepts for page and question ids
_NOT_ID = re.compile(r"[^a-z0-9_]+")


def normalise(definition: Any) -> dict:
    """A deep copy of *definition* that has a ``pages`` list (new services have ``{}``)."""
    data = copy.deepcopy(definition) if isinstance(definition, dict) else {}
    if not isinstance(data.get("pages"), list):
        data["pages"] = []
    for page in data["pages"]:
        if isinstance(page, dict) and not isinstance(page.get("questions"), list):
            page["questions"] = []
    return data


def make_id(text: str, taken: set[str] | list[str], fallback: str = "item") -> str:
    """An id from *text* ("Date of birth" → ``date_of_birth``) not in *taken*."""
    base = _NOT_ID.sub("_", slugify(text or "").replace("-", "_")).strip("_")[:36].strip("_")
    if not base or not base[0].isalpha():
        base = f"{fallback}_{base}".strip("_") if base else fallback
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}_{n}"
        n += 1
    return candidate


def page_ids(definition: dict) -> list[str]:
    return [p.get("id") for p in normalise(definition)["pages"]]


def question_ids(definition: dict) -> list[str]:
    return [q.get("id") for p in normalise(definition)["pages"] for q in p["questions"]]


def find_page(definition: dict, page_id: str) -> dict:
    for page in definition.get("pages") or []:
        if page.get("id") == page_id:
            return page
    raise LookupError(page_id)


def find_question(definition: dict, question_id: str) -> tuple[dict, int, dict]:
    """``(page, index in page, question)`` for *question_id*."""
    for page in definition.get("pages") or []:
        for index, question in enumerate(page.get("questions") or []):
            if question.get("id") == question_id:
                return page, index, question
    raise LookupError(question_id)


def page_add(definition: Any, *, page_id: str, title: dict) -> dict:
    data = normalise(definition)
    data["pages"].append({"id": page_id, "title": title, "questions": []})
    return data


def page_update(definition: Any, page_id: str, *, title: dict) -> dict:
    data = normalise(definition)
    find_page(data, page_id)["title"] = title
    return data


def page_remove(definition: Any, page_id: str) -> dict:
    """Remove a page and its questions."""
    data = normalise(definition)
    page = find_page(data, page_id)
    data["pages"].remove(page)
    return data


def page_move(definition: Any, page_id: str, direction: str) -> dict:
    """Swap a page with the one before (``"up"``) or after (``"down"``); at either end, no change."""
    data = normalise(definition)
    pages = data["pages"]
    index = pages.index(find_page(data, page_id))
    other = index - 1 if direction == "up" else index + 1
    if direction in {"up", "down"} and 0 <= other < len(pages):
        pages[index], pages[other] = pages[other], pages[index]
    return data


def question_add(definition: Any, page_id: str, question: dict) -> dict:
    """Add *question* at the end of the page."""
    data = normalise(definition)
    find_page(data, page_id)["questions"].append(copy.deepcopy(question))
    return data


def question_update(definition: Any, question_id: str, question: dict, *, page_id: str) -> dict:
    """Replace a question, keeping its place (or at the end of *page_id* if it moves page).

    If its id changes, conditions that depended on the old id follow it.
    """
    data = normalise(definition)
    page, index, _old = find_question(data, question_id)
    target = find_page(data, page_id)
    new = copy.deepcopy(question)
    if target is page:
        page["questions"][index] = new
    else:
        del page["questions"][index]
        target["questions"].append(new)
    if new.get("id") != question_id:
        for other in (q for p in data["pages"] for q in p["questions"]):
            condition = other.get("condition")
            if isinstance(condition, dict) and condition.get("question") == question_id:
                condition["question"] = new.get("id")
    return data


def question_remove(definition: Any, question_id: str) -> dict:
    data = normalise(definition)
    page, index, _question = find_question(data, question_id)
    del page["questions"][index]
    return data


def question_move(definition: Any, question_id: str, direction: str) -> dict:
    """Move a question one place up or down; past the edge of its page, onto the next page.

    Moving up from the top of a page puts it at the bottom of the previous
    page; moving down from the bottom puts it at the top of the next page.
    """
    data = normalise(definition)
    pages = data["pages"]
    page, index, question = find_question(data, question_id)
    page_index = pages.index(page)
    questions = page["questions"]
    if direction == "up":
        if index > 0:
            questions[index - 1], questions[index] = questions[index], questions[index - 1]
        elif page_index > 0:
            del questions[index]
            pages[page_index - 1]["questions"].append(question)
    elif direction == "down":
        if index < len(questions) - 1:
            questions[index + 1], questions[index] = questions[index], questions[index + 1]
        elif page_index < len(pages) - 1:
            del questions[index]
            pages[page_index + 1]["questions"].insert(0, question)
    return data


def questions_before_page(definition: Any, page_id: str) -> list[dict]:
    """Questions on the pages before *page_id*: the ones a question there may depend on."""
    earlier: list[dict] = []
    for page in normalise(definition)["pages"]:
        if page.get("id") == page_id:
            return earlier
        earlier.extend(page["questions"])
    return earlier

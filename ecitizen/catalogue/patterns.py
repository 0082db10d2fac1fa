"""Regular expressions that agency admins write, run in linear time.

A question may say what shape its answer has ("^[A-Z0-9 ]+$"). Python's own
``re`` backtracks: ``^(a+)+$`` against 27 a's and a "b" froze a server
process for seconds (ReDoS). Agency patterns are therefore compiled and run
only with RE2 (google-re2), whose matching time grows linearly with the
answer whatever the pattern. RE2 has no backreferences (``\\1``) and no
lookarounds (``(?=``, ``(?<!``); a pattern using them is refused when the
question is saved, with RE2's reason.

Every answer is checked with :func:`search` semantics, as Django's
``RegexValidator`` does: anchor a pattern with ``^`` and ``$`` to match the
whole answer.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import re2
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

MAX_PATTERN_LENGTH = 300
# The compiled program's memory; far more than a form field's pattern needs.
_MAX_MEMORY = 1 << 20


class PatternError(ValueError):
    """The pattern cannot be used; ``problem`` says why, in RE2's words."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # a refused pattern is the admin's mistake, reported to them, not a server error
    options.max_mem = _MAX_MEMORY
    return options


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Any:
    """The RE2 program for *pattern*; raises :class:`PatternError` when RE2 cannot run it."""
    if not isinstance(pattern, str):
        raise PatternError("not a text")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"longer than {MAX_PATTERN_LENGTH} characters")
    try:
        return re2.compile(pattern, options=_options())
    except re2.error as exc:
        problem = exc.args[0] if exc.args else "invalid"
        if isinstance(problem, bytes):
            problem = problem.decode("utf-8", "replace")
        raise PatternError(str(problem)) from None


def pattern_problem(pattern: str) -> str | None:
    """Why *pattern* cannot be used (RE2's words), or None when it can."""
    try:
        compile_pattern(pattern)
    except PatternError as exc:
        return exc.problem
    return None


def invalid_pattern_message(problem: str) -> str:
    return _(
        "Enter a valid regular expression (%(problem)s). Patterns are checked in linear time, "
        "so back-references such as \\1 and look-arounds such as (?=…) cannot be used."
    ) % {"problem": problem}


def matches(pattern: str, value: str) -> bool:
    """Whether *value* matches *pattern* (anywhere; anchor with ^ and $).

    A stored pattern that RE2 cannot run (saved before patterns were checked
    this way) is not applied: it is logged, and the answer is accepted rather
    than run through a backtracking engine.
    """
    try:
        program = compile_pattern(pattern)
    except PatternError as exc:
        logger.warning("Ignoring a question pattern RE2 cannot run (%s): %r", exc.problem, pattern)
        return True
    return program.search(value) is not None


@deconstructible
class PatternValidator:
    """A form-field validator like ``RegexValidator``, but matching with RE2 (linear time)."""

    code = "invalid"

    def __init__(self, pattern: str, message: str):
        self.pattern = pattern
        self.message = message

    def __call__(self, value: Any) -> None:
        if not matches(self.pattern, str(value)):
            raise ValidationError(self.message, code=self.code, params={"value": value})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PatternValidator) and self.pattern == other.pattern and self.message == other.message

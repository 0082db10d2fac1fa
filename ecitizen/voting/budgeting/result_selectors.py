"""Reads for the results pages and the implementation pages: per budget its tally and projects,
the sentences that say why each project was funded or not, and the funded projects' progress.

Callers fetch the process through :mod:`~ecitizen.voting.budgeting.result_policies` first: these
functions do not check who is asking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_currency, format_decimal
from django.db.models import Count, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ecitizen.core.money import babel_locale
from ecitizen.voting.budgeting import conf
from ecitizen.voting.budgeting.models import (
    Budget,
    Follow,
    Milestone,
    PaperEntry,
    PaperEntryState,
    Process,
    Project,
    ProjectPhoto,
    ProjectResult,
    Rule,
    Tally,
)

# Width of the bar chart's drawing area (SVG user units) and of one bar's row.
CHART_WIDTH = 600
CHART_ROW = 44
BAR_HEIGHT = 16


def _locale():
    return babel_locale(translation.get_language() or "en")


def money(amount: Any) -> str:
    """An amount (a whole number, or a decimal string such as "12.40") in the current language."""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    locale = _locale()
    if value == value.to_integral_value():
        pattern = locale.currency_formats["standard"].pattern.replace(".00", "")
        return format_currency(value, conf.currency(), locale=locale, format=pattern, currency_digits=False)
    return format_currency(value, conf.currency(), locale=locale)


def number(n: int) -> str:
    return format_decimal(n, locale=_locale())


def explain(result: ProjectResult, rule: str) -> list[str]:
    """Why *result*'s project was funded or not, in plain sentences, from the count's facts."""
    facts = result.explanation or {}
    cost = result.project.cost if facts.get("cost") is None else facts["cost"]
    lines: list[str] = []
    stage = facts.get("stage")
    if rule == Rule.MES:
        supporters = facts.get("supporters")
        if stage == "mes":
            groups = facts.get("payments") or []
            for group in groups:
                voters = int(group.get("voters", 0))
                if group.get("each") is not None:
                    lines.append(
                        ngettext(
                            "%(n)s supporter paid %(each)s.",
                            "%(n)s supporters paid %(each)s each.",
                            voters,
                        )
                        % {"n": number(voters), "each": money(group["each"])}
                    )
                else:
                    lines.append(
                        ngettext(
                            "%(n)s supporter paid what they had left, %(paid)s in all.",
                            "%(n)s supporters paid what they had left, %(paid)s together.",
                            voters,
                        )
                        % {"n": number(voters), "paid": money(group.get("paid", 0))}
                    )
            lines.insert(
                0,
                _("Funded by equal shares: its supporters shared its cost of %(cost)s.") % {"cost": money(cost)},
            )
            return lines
        if supporters is not None and "supporters_money_left" in facts:
            lines.append(
                ngettext(
                    "Its %(n)s supporter had %(left)s left of their share, for a cost of %(cost)s.",
                    "Its %(n)s supporters had %(left)s left of their shares together, for a cost of %(cost)s.",
                    int(supporters),
                )
                % {"n": number(int(supporters)), "left": money(facts["supporters_money_left"]), "cost": money(cost)}
            )
        if stage == "completion":
            lines.append(
                _("Funded afterwards from the money left over (%(left)s when its turn came), in order of votes.")
                % {"left": money(facts.get("completion_budget_left", facts.get("budget_left", 0)))}
            )
        elif "completion_budget_left" in facts:
            lines.append(
                _("Not funded: when the money left over was shared out in order of votes, only %(left)s was left.")
                % {"left": money(facts["completion_budget_left"])}
            )
        else:
            lines.append(_("Not funded."))
        return lines
    # Greedy.
    left = facts.get("budget_left")
    if left is None:
        return [_("Funded.") if result.funded else _("Not funded.")]
    if result.funded:
        return [
            _("Funded: when its turn came (number %(order)s by votes), %(left)s was left, enough for its cost.")
            % {"order": number(int(facts.get("order", 0))), "left": money(left)}
        ]
    return [
        _("Not funded: when its turn came (number %(order)s by votes), only %(left)s was left, less than its cost.")
        % {"order": number(int(facts.get("order", 0))), "left": money(left)}
    ]


@dataclass
class Bar:
    result: ProjectResult
    y: int
    width: int
    label_y: int
    reasons: list[str] = field(default_factory=list)

    @property
    def rtl_x(self) -> int:
        """Where the bar starts when the page reads right to left (it grows from the right)."""
        return CHART_WIDTH - self.width


@dataclass
class BudgetResults:
    budget: Budget
    tally: Tally | None
    bars: list[Bar]
    chart_height: int
    funded: int
    left: int
    spent_width: int
    paper_waiting: int = 0

    @property
    def rows(self) -> list[ProjectResult]:
        return [bar.result for bar in self.bars]


def budget_results(process: Process) -> list[BudgetResults]:
    """Each budget of *process* with its tally (None before counting) and its projects' results,
    most funded first, as the results pages draw them."""
    out = []
    budgets = process.budgets.select_related("area").order_by("pk")
    tallies = {t.budget_id: t for t in Tally.objects.filter(budget__process=process)}
    for budget in budgets:
        tally = tallies.get(budget.pk)
        results = []
        if tally is not None:
            results = sorted(
                ProjectResult.objects.filter(tally=tally).select_related("project"),
                key=lambda r: (not r.funded, r.order or 0, -r.votes, r.project_id),
            )
        top = max((r.votes for r in results), default=0) or 1
        bars = []
        for i, result in enumerate(results):
            bars.append(
                Bar(
                    result=result,
                    y=i * CHART_ROW + 20,
                    width=max(1, round(CHART_WIDTH * result.votes / top)) if result.votes else 0,
                    label_y=i * CHART_ROW + 14,
                    reasons=explain(result, tally.rule),
                )
            )
        spent = tally.spent if tally else 0
        out.append(
            BudgetResults(
                budget=budget,
                tally=tally,
                bars=bars,
                chart_height=max(CHART_ROW, len(bars) * CHART_ROW),
                funded=sum(1 for r in results if r.funded),
                left=budget.amount - spent,
                spent_width=round(CHART_WIDTH * spent / budget.amount) if budget.amount else 0,
            )
        )
    return out


def paper_waiting(process: Process) -> int:
    return PaperEntry.objects.filter(process=process, state=PaperEntryState.WAITING).count()


def funded_projects(process: Process) -> QuerySet[Project]:
    """The projects of *process* funded in its count, with their milestones and photos."""
    return (
        Project.objects.filter(process=process, results__funded=True)
        .select_related("budget__area")
        .annotate(
            milestones_total=Count("milestones", distinct=True),
            milestones_done=Count("milestones", filter=Q(milestones__done_on__isnull=False), distinct=True),
        )
        .order_by("budget_id", "results__order", "pk")
    )


def project_result(project: Project) -> ProjectResult | None:
    """*project*'s line in its budget's count, or None when it was not counted."""
    return (
        ProjectResult.objects.filter(project=project, tally__budget_id=project.budget_id)
        .select_related("tally")
        .first()
    )


def milestones(project: Project) -> list[Milestone]:
    return list(project.milestones.order_by("planned_for", "pk").prefetch_related("photos"))


def implementation_photos(project: Project) -> list[ProjectPhoto]:
    """Photos staff added of the work (those for a milestone, or added once implementation began)."""
    started = project.process.implementation_started_at
    photos = ProjectPhoto.objects.filter(project=project).order_by("pk")
    if started is None:
        return []
    return list(photos.filter(created_at__gte=started) | photos.filter(milestone__isnull=False))


def is_following(user: Any, project: Project) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and Follow.objects.filter(project=project, user=user).exists()


def follower_count(project: Project) -> int:
    return Follow.objects.filter(project=project).count()

"""Reading and writing the Pabulib file format (the open library of participatory budgeting data).

A file has three sections, each a line with its name then a header row then ``;``-separated
rows: ``META`` (``key;value``), ``PROJECTS`` (``project_id;cost;votes;name;selected``, only
``project_id`` and ``cost`` required) and ``VOTES`` (``voter_id;vote`` and, for cumulative
ballots, ``points``; ``vote`` lists project ids separated by commas). A field holding ``;``, a
quote or a line break is written between double quotes, quotes doubled.

``read`` never raises anything but ``PabulibError`` (with the line number), whatever the input.
"""

from __future__ import annotations

import csv
import io
import re

from .instance import VOTE_TYPES, PBInstance, PBProject, TallyError

# META keys derived from the rest of the file: read, checked where it matters, written afresh.
DERIVED_META = ("num_projects", "num_votes", "budget", "vote_type")
_INT = re.compile(r"[0-9]{1,30}")


class PabulibError(ValueError):
    def __init__(self, message: str, line: int | None = None):
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


def _int(text: str, what: str, line: int) -> int:
    text = text.strip()
    if not _INT.fullmatch(text):
        raise PabulibError(f"{what} must be a whole number, not {text[:40]!r}", line)
    return int(text)


def read(text: str) -> PBInstance:
    """Parse a Pabulib file. Raises ``PabulibError`` on malformed input."""
    if not isinstance(text, str):
        raise PabulibError("the file must be text")
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"', strict=False)
    section = ""
    header: list[str] | None = None
    meta: dict[str, str] = {}
    projects: list[PBProject] = []
    project_ids: set[str] = set()
    raw_votes: list[tuple[int, dict[str, str]]] = []
    seen_sections: set[str] = set()
    line = 0
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not field.strip() for field in row):
                continue
            first = row[0].strip().lower()
            if len(row) == 1 and first in ("meta", "projects", "votes"):
                if first in seen_sections:
                    raise PabulibError(f"a second {first.upper()} section", line)
                seen_sections.add(first)
                section, header = first, None
                continue
            if not section:
                raise PabulibError("expected a META, PROJECTS or VOTES line first", line)
            if header is None:
                header = [h.strip() for h in row]
                if len(set(header)) != len(header):
                    raise PabulibError("a column is named twice in the header", line)
                need = {"meta": ("key",), "projects": ("project_id", "cost"), "votes": ("vote",)}[section]
                for column in need:
                    if column not in header:
                        raise PabulibError(f"the {section.upper()} header has no {column!r} column", line)
                continue
            if len(row) > len(header):
                raise PabulibError(f"{len(row)} fields but the header has {len(header)}", line)
            fields = dict(zip(header, row, strict=False))  # missing trailing fields are empty
            if section == "meta":
                if len(row) < 2:
                    raise PabulibError("a META row needs a key and a value", line)
                key = row[0].strip()
                if key in meta:
                    raise PabulibError(f"META key {key!r} given twice", line)
                meta[key] = row[1].strip()
            elif section == "projects":
                pid = fields.get("project_id", "").strip()
                if not pid:
                    raise PabulibError("a project without a project_id", line)
                if "," in pid:
                    raise PabulibError(f"a project_id cannot hold a comma: {pid[:40]!r}", line)
                if pid in project_ids:
                    raise PabulibError(f"project {pid[:40]!r} is listed twice", line)
                cost = _int(fields.get("cost", ""), f"the cost of project {pid[:40]!r}", line)
                project_ids.add(pid)
                projects.append(PBProject(pid, cost, fields.get("name", "")))
            else:
                raw_votes.append((line, {k: v.strip() for k, v in fields.items()}))
    except csv.Error as exc:
        raise PabulibError(f"unreadable: {exc}", reader.line_num or line) from None
    for name in ("meta", "projects"):
        if name not in seen_sections:
            raise PabulibError(f"no {name.upper()} section")
    if "budget" not in meta:
        raise PabulibError("META has no budget")
    budget = _int(meta["budget"], "the budget", 0)
    vote_type = meta.get("vote_type", "approval")
    if vote_type not in VOTE_TYPES:
        raise PabulibError(f"unsupported vote_type {vote_type[:40]!r} (expected {' or '.join(VOTE_TYPES)})")
    ballots: list[dict[str, int]] = []
    voter_ids: list[str] = []
    seen_voters: set[str] = set()
    for line, fields in raw_votes:
        voter = fields.get("voter_id", "")
        if voter:
            if voter in seen_voters:
                raise PabulibError(f"voter {voter[:40]!r} voted twice", line)
            seen_voters.add(voter)
        voter_ids.append(voter)
        chosen = [pid.strip() for pid in fields.get("vote", "").split(",")] if fields.get("vote") else []
        if vote_type == "cumulative":
            points_text = fields.get("points", "")
            points = [p.strip() for p in points_text.split(",")] if points_text else []
            if len(points) != len(chosen):
                raise PabulibError("the vote and the points do not have as many entries", line)
        else:
            points = ["1"] * len(chosen)
        ballot: dict[str, int] = {}
        for pid, pts in zip(chosen, points, strict=True):
            if pid not in project_ids:
                raise PabulibError(f"a vote for an unknown project {pid[:40]!r}", line)
            if pid in ballot:
                raise PabulibError(f"project {pid[:40]!r} is in the vote twice", line)
            ballot[pid] = _int(pts, "points", line)
        ballots.append(ballot)
    extra = {k: v for k, v in meta.items() if k not in DERIVED_META}
    instance = PBInstance(
        budget=budget,
        projects=projects,
        ballots=ballots,
        vote_type=vote_type,
        meta=extra,
        voter_ids=voter_ids if any(voter_ids) else None,
    )
    if instance.voter_ids is not None and not all(voter_ids):
        raise PabulibError("some votes have a voter_id and others none")
    try:
        instance.check()
    except TallyError as exc:
        raise PabulibError(str(exc)) from None
    return instance


def _field(value: object) -> str:
    text = str(value)
    if any(c in text for c in ';"\n\r') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def _row(*values: object) -> str:
    return ";".join(_field(v) for v in values) + "\n"


def write(instance: PBInstance, *, selected: list[str] | None = None) -> str:
    """The instance as a Pabulib file; ``selected`` (project ids funded) fills the ``selected``
    column of PROJECTS when given."""
    instance.check()
    for p in instance.projects:
        if "," in p.id or p.id != p.id.strip():
            raise TallyError(f"a Pabulib project_id cannot hold a comma or start or end with a space: {p.id!r}")
    votes = dict.fromkeys(instance.project_ids(), 0)
    for ballot in instance.ballots:
        for pid, pts in ballot.items():
            votes[pid] += pts
    out = io.StringIO()
    out.write("META\n")
    out.write(_row("key", "value"))
    meta = dict(instance.meta)
    meta.update(
        num_projects=str(len(instance.projects)),
        num_votes=str(len(instance.ballots)),
        budget=str(instance.budget),
        vote_type=instance.vote_type,
    )
    for key, value in meta.items():
        out.write(_row(key, value))
    out.write("PROJECTS\n")
    chosen = set(selected or ())
    if selected is None:
        out.write(_row("project_id", "cost", "votes", "name"))
    else:
        out.write(_row("project_id", "cost", "votes", "name", "selected"))
    for p in instance.projects:
        values = [p.id, p.cost, votes[p.id], p.name]
        if selected is not None:
            values.append(1 if p.id in chosen else 0)
        out.write(_row(*values))
    out.write("VOTES\n")
    cumulative = instance.vote_type == "cumulative"
    out.write(_row("voter_id", "vote", "points") if cumulative else _row("voter_id", "vote"))
    voter_ids = instance.voter_ids or [str(n) for n in range(1, len(instance.ballots) + 1)]
    for voter, ballot in zip(voter_ids, instance.ballots, strict=True):
        chosen_ids = [pid for pid, pts in ballot.items() if pts > 0]
        if cumulative:
            out.write(_row(voter, ",".join(chosen_ids), ",".join(str(ballot[pid]) for pid in chosen_ids)))
        else:
            out.write(_row(voter, ",".join(chosen_ids)))
    return out.getvalue()

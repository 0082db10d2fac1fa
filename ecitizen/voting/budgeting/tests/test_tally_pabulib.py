"""Pabulib files: what we write reads back the same, and pabutools' own parser agrees."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecitizen.voting.budgeting.tally import PBInstance, PBProject, tally
from ecitizen.voting.budgeting.tally.pabulib import PabulibError, read, write

from .tally_fixtures import small_instances

SAMPLE = """META
key;value
description;"Parks; and ""gardens"" too"
country;Nowhere
unit;Old Town
instance;2026
num_projects;3
num_votes;4
budget;10
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;votes;name;selected
1;6;2;Swings;1
2;5;2;"Trees; many";0
3;4;1;Bench;1
VOTES
voter_id;vote
v1;1,2
v2;1
v3;3
v4;2
"""


def test_read_a_file():
    inst = read(SAMPLE)
    assert inst.budget == 10
    assert inst.projects == [PBProject("1", 6, "Swings"), PBProject("2", 5, "Trees; many"), PBProject("3", 4, "Bench")]
    assert inst.ballots == [{"1": 1, "2": 1}, {"1": 1}, {"3": 1}, {"2": 1}]
    assert inst.voter_ids == ["v1", "v2", "v3", "v4"]
    assert inst.meta["description"] == 'Parks; and "gardens" too'
    assert "budget" not in inst.meta and inst.meta["rule"] == "greedy"
    assert tally(inst, "greedy").selected == ["1", "3"]


texts = st.text(st.characters(blacklist_categories=["Cs"]), max_size=30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance=small_instances(), names=st.lists(texts, min_size=12, max_size=12), data=st.data())
def test_written_files_read_back_identically(instance, names, data):
    instance.projects = [PBProject(p.id, p.cost, name) for p, name in zip(instance.projects, names, strict=False)]
    instance.voter_ids = [f"v{n}" for n in range(len(instance.ballots))] or None
    instance.meta = {"description": data.draw(texts).strip(), "unit": "Old; Town"}
    assert read(write(instance)) == instance
    assert read(write(instance, selected=tally(instance, "mes").selected)) == instance


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance=st.one_of(small_instances(), small_instances(vote_type="cumulative")))
def test_pabutools_reads_our_files_the_same(instance):
    pabulib = pytest.importorskip("pabutools.election.pabulib")
    if instance.vote_type == "cumulative":  # pabutools cannot read an empty cumulative vote
        instance.ballots = [b for b in instance.ballots if b]
    inst, profile = pabulib.parse_pabulib_from_string(write(instance))
    assert inst.budget_limit == instance.budget
    assert sorted((p.name, p.cost) for p in inst) == sorted((p.id, p.cost) for p in instance.projects)
    theirs = [{p.name: int(b[p]) if instance.vote_type == "cumulative" else 1 for p in b} for b in profile]
    assert theirs == [{pid: pts for pid, pts in b.items() if pts} for b in instance.ballots]


@settings(max_examples=300, deadline=None)
@given(junk=st.one_of(st.text(max_size=300), st.text(alphabet='META\nPROJECTS;VOTES"0123456789,abc ', max_size=300)))
def test_junk_never_crashes(junk):
    try:
        read(junk)
    except PabulibError:
        pass


def test_junk_after_a_valid_start():
    for text in (SAMPLE + "v5;1;2;3\n", SAMPLE.replace("v4;2", "v4;9"), SAMPLE.replace("budget;10", "budget;ten")):
        with pytest.raises(PabulibError):
            read(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no META section"),
        ("hello\n", "line 1: expected a META"),
        (SAMPLE.replace("3;4;1;Bench;1", "3;x;1;Bench;1"), "line 16: the cost of project '3'"),
        (SAMPLE.replace("v4;2", "v4;9"), "line 22: a vote for an unknown project '9'"),
        (SAMPLE.replace("v4;2", "v1;2"), "line 22: voter 'v1' voted twice"),
        (SAMPLE.replace("vote_type;approval", "vote_type;ordinal"), "unsupported vote_type 'ordinal'"),
        (SAMPLE.replace("v3;3", "v3;3,3"), "line 21: project '3' is in the vote twice"),
        ('META\nkey;value\n"budget;1\n', "line 3: a META row needs a key and a value"),
    ],
)
def test_clear_errors(text, message):
    with pytest.raises(PabulibError) as exc:
        read(text)
    assert message in str(exc.value)


def test_pb_tally_command(tmp_path, capsys):
    path = tmp_path / "sample.pb"
    path.write_text(SAMPLE, encoding="utf-8")
    call_command("pb_tally", str(path), "--rule", "greedy")
    out = capsys.readouterr()
    assert out.out == "1\n3\n"
    call_command("pb_tally", str(path), "--rule", "mes-add1u", "--explain")
    out = capsys.readouterr()
    assert out.out.splitlines() == tally(read(SAMPLE), "mes-add1u").selected
    assert '"supporters"' in out.err


def test_pb_tally_errors(tmp_path):
    path = tmp_path / "bad.pb"
    path.write_text(SAMPLE.replace("v4;2", "v4;9"), encoding="utf-8")
    with pytest.raises(CommandError, match="line 22: a vote for an unknown project"):
        call_command("pb_tally", str(path), "--rule", "mes")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("pb_tally", str(tmp_path / "missing.pb"), "--rule", "mes")


def test_write_refuses_ids_pabulib_cannot_hold():
    with pytest.raises(ValueError):
        write(PBInstance(budget=1, projects=[PBProject("a,b", 1)], ballots=[]))

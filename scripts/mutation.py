"""`make mutation`: mutation testing (mutmut) of the money code and the services that move it.

mutmut's settings are in pyproject.toml (``[tool.mutmut]``: the files it mutates and the tests it
runs). This script runs it in a scratch copy of the working tree (``var/mutation/``, or the
directory given with ``--dir``), so the tree stays as it is and mutmut's own ``mutants/``
directory lands there, and prints the score of each file.

mutmut leaves decorated functions alone, and most services are ``@transaction.atomic``. In the
copy each ``@transaction.atomic`` on a top-level function of a mutated file is therefore moved
below it (``name = transaction.atomic(name)``, which is what the decorator does), so that the
services themselves are mutated too.

    make mutation                                     # all four files (about an hour on two cores)
    make mutation MUTANTS='ecitizen.core.money.*'     # one file's mutants
    cd var/mutation && ../../.venv/bin/mutmut show ecitizen.core.money.x_parse_amount__mutmut_3
"""

from __future__ import annotations

import argparse
import ast
import collections
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".git", ".venv", "node_modules", "var", "mutants", ".pytest_cache", ".ruff_cache", ".hypothesis"}
DECORATOR = "transaction.atomic"


def mutmut(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """Run the virtualenv's mutmut (our own arguments only)."""
    return subprocess.run([str(ROOT / ".venv/bin/mutmut"), *args], **kwargs)  # noqa: S603


def mutated_files() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    return list(config["only_mutate"])


def copy_tree(target: Path) -> None:
    """A fresh copy of the working tree in *target*, sharing the virtualenv and node_modules."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(
        ROOT,
        target,
        symlinks=True,
        ignore=lambda directory, names: [n for n in names if n in SKIP or n == "__pycache__"],
    )
    for shared in (".venv", "node_modules"):
        if (ROOT / shared).exists():
            (target / shared).symlink_to(ROOT / shared)


def undecorate(path: Path) -> int:
    """Move each bare ``@transaction.atomic`` of a top-level function below the function."""
    source = path.read_text()
    lines = source.splitlines(keepends=True)
    moves = []
    for node in ast.parse(source).body:
        if not isinstance(node, ast.FunctionDef) or len(node.decorator_list) != 1:
            continue
        decorator = node.decorator_list[0]
        if ast.unparse(decorator) == DECORATOR:
            moves.append((decorator.lineno, node.end_lineno, node.name))
    for decorator_line, end_line, name in reversed(moves):
        lines.insert(end_line, f"\n\n{name} = {DECORATOR}({name})\n")
        del lines[decorator_line - 1]
    path.write_text("".join(lines))
    return len(moves)


def scores(workdir: Path, files: list[str]) -> list[tuple[str, int, int, collections.Counter]]:
    """(file, killed, checked, statuses) for each mutated file, from ``mutmut results``."""
    listing = mutmut("results", "--all", "true", cwd=workdir, capture_output=True, text=True, check=True).stdout
    by_module: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for line in listing.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name:
            continue
        module = name.split(".x_")[0].split(".xǁ")[0]
        by_module[module][status] += 1
    rows = []
    for file in files:
        counts = by_module.get(file.removesuffix(".py").replace("/", "."), collections.Counter())
        checked = sum(n for status, n in counts.items() if status not in ("not checked", "skipped"))
        rows.append((file, counts["killed"] + counts["timeout"], checked, counts))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default=str(ROOT / "var" / "mutation"), help="the scratch copy (replaced)")
    parser.add_argument("--report-only", action="store_true", help="print the scores of the last run")
    parser.add_argument("mutants", nargs="*", help="mutant names or globs, e.g. 'ecitizen.core.money.*'")
    args = parser.parse_args()
    workdir = Path(args.dir).resolve()
    files = mutated_files()

    if not args.report_only:
        copy_tree(workdir)
        for file in files:
            moved = undecorate(workdir / file)
            print(f"{file}: {moved} @{DECORATOR} moved below their functions so that mutmut mutates them")
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
        env.pop("DATABASE_URL", None)  # in-memory SQLite: each mutant gets a fresh database
        run = mutmut("run", *args.mutants, cwd=workdir, env=env)
        if run.returncode != 0:
            return run.returncode
        mutmut("export-cicd-stats", cwd=workdir, check=True)

    print("\nMutation score (killed, or timed out, / mutants checked):")
    total_killed = total_checked = 0
    for file, killed, checked, counts in scores(workdir, files):
        if not checked and args.mutants:
            continue  # not among the mutants asked for
        score = f"{100 * killed / checked:5.1f}%" if checked else "    -"
        others = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()) if status != "killed")
        print(f"  {file:40} {killed:5} / {checked:<5} {score}   {others}")
        total_killed += killed
        total_checked += checked
    if total_checked:
        print(f"  {'all':40} {total_killed:5} / {total_checked:<5} {100 * total_killed / total_checked:5.1f}%")
    print(f"\nSurvivors: cd {os.path.relpath(workdir)} && {ROOT / '.venv/bin/mutmut'} results; mutmut show NAME")
    return 0


if __name__ == "__main__":
    sys.exit(main())

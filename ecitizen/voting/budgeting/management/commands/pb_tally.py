"""Count a Pabulib file by a participatory-budgeting rule: ``manage.py pb_tally FILE.pb --rule mes``.

Prints the funded project ids on stdout, one per line, in the order they were funded, and
nothing else; ``--explain`` prints the explanations (JSON) on stderr.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from ecitizen.voting.budgeting.tally import RULES, TallyError, tally
from ecitizen.voting.budgeting.tally.pabulib import PabulibError, read


class Command(BaseCommand):
    help = "Count a Pabulib file by a participatory-budgeting rule; print the funded project ids in order."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a Pabulib file (UTF-8)")
        parser.add_argument("--rule", choices=RULES, required=True)
        parser.add_argument(
            "--explain", action="store_true", help="print why each project was funded or not, to stderr"
        )

    def handle(self, *args, **options):
        try:
            with open(options["file"], encoding="utf-8-sig") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {options['file']}: {exc}") from None
        try:
            result = tally(read(text), options["rule"])
        except (PabulibError, TallyError) as exc:
            raise CommandError(f"{options['file']}: {exc}") from None
        for pid in result.selected:
            self.stdout.write(pid)
        if options["explain"]:
            self.stderr.write(
                json.dumps({"details": result.details, "projects": result.explanations}, indent=2, ensure_ascii=False)
            )

"""Load the address register from a CSV file: ``manage.py address_register_load addresses.csv``.

Columns (a header row names them, in any order): ``uprn``, ``line``,
``street``, ``number``, ``locality``, ``town``, ``postcode``, ``latitude``,
``longitude`` and optionally ``is_active`` (yes/no). Addresses are added or
updated by UPRN; if any row is wrong nothing is loaded and every problem is
listed by row (row 1 is the first row after the header).
"""

from __future__ import annotations

import csv

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ecitizen.exchange.services import ADDRESS_REQUIRED_FIELDS, address_register_load

MAX_ERRORS_SHOWN = 20


class Command(BaseCommand):
    help = "Add or update addresses in the address register from a UTF-8 CSV file with a header row."

    def add_arguments(self, parser):
        parser.add_argument("csv_path", help="the CSV file to load")

    def handle(self, *args, csv_path: str, **options):
        try:
            with open(csv_path, encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                missing = [name for name in ADDRESS_REQUIRED_FIELDS if name not in (reader.fieldnames or [])]
                if missing:
                    raise CommandError(f"{csv_path}: the header has no column {', '.join(missing)}.")
                loaded = address_register_load(actor=None, rows=reader)
        except OSError as exc:
            raise CommandError(f"{csv_path}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{csv_path} is not UTF-8 text.") from exc
        except csv.Error as exc:
            raise CommandError(f"{csv_path}: not a readable CSV file ({exc}).") from exc
        except ValidationError as exc:
            problems = exc.messages
            shown = "\n".join(problems[:MAX_ERRORS_SHOWN])
            more = f"\n… and {len(problems) - MAX_ERRORS_SHOWN} more." if len(problems) > MAX_ERRORS_SHOWN else ""
            raise CommandError(f"Nothing was loaded from {csv_path}:\n{shown}{more}") from exc
        self.stdout.write(f"Address register: {loaded} addresses added or changed from {csv_path}.")

from django.core.management.base import BaseCommand

from ecitizen.reports.questionnaire import questionnaire_days, questionnaires_send_due


class Command(BaseCommand):
    help = "Ask reporters whether their problem was fixed, once, when their report is REPORTS_QUESTIONNAIRE_DAYS old."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="Send at most this many in this run.")

    def handle(self, *args, **options):
        sent = questionnaires_send_due(limit=options["limit"])
        self.stdout.write(f"{sent} questionnaire(s) sent (reports confirmed {questionnaire_days()} or more days ago).")

"""Voting: participatory budgeting (``budgeting``) and, later, referendums."""

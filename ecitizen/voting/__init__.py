"""Voting: participatory budgeting (``budgeting``) and referendums (``referendums``, with the
cryptography in ``protocol`` and the independent checker ``verify``)."""

"""Participatory budgeting: residents propose projects, staff review them, residents vote, and
the votes are counted by a rule chosen before voting opens (greedy, or the Method of Equal
Shares); funded projects are then followed to completion."""

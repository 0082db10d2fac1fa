"""What agencies tells the rest of the platform, without importing it.

``staff_opened_citizen`` is sent, inside a transaction, when staff open a citizen's data in the
back office (the in-person identity check's look-up). The privacy app receives it and writes the
citizen's "who looked at my data" row with its ``staff.viewed_citizen`` audit row. The sender
refuses when nobody listens, so an access is never left unrecorded.
"""

from django.dispatch import Signal

staff_opened_citizen = Signal()  # staff, agency (or None), citizen, purpose, subject

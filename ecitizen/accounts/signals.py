"""What accounts tells the rest of the platform, without importing it.

``staff_acting_on_identity`` is sent, inside the transaction and after the profile row is
locked, before staff verify someone's identity; a receiver refuses by raising (the agencies
app raises ``ConflictOfInterest`` for the staff member's own or a declared relative's
account). The sender refuses to proceed when nobody listens, so the check cannot silently
disappear.

``identity_binding_refused`` is sent, in the same short transaction as its audit row, when a
check was refused in a way a person must review (the national ID is bound to another account,
or belongs to a deceased person); the agencies app opens a review for agency admins.

``register_identity_verified`` is sent inside the verification's transaction, after the profile
and its audit row are saved, when an account is verified against a population-register record
(online, or in person with a matching record; not a document-only check). The payments app
makes the tax bills issued to that national ID before the person had an account theirs.

``login_destination`` is sent after a sign-in that named no safe ``next`` page; a receiver may
return the path where *user* should land (the dashboard app sends staff to the back office).
The first non-empty answer wins; with none, ``LOGIN_REDIRECT_URL``.
"""

from django.dispatch import Signal

staff_acting_on_identity = Signal()  # staff, citizen, agency
identity_binding_refused = Signal()  # staff, agency, account, holder, reason
register_identity_verified = Signal()  # user
login_destination = Signal()  # user -> a path or None

"""The referendum protocol of docs/voting-protocol.md, in plain Python (no Django).

Modules: ``group`` (ristretto255 through libsodium), ``hashing`` (canonical JSON, the election hash,
hashing to a scalar), ``credentials``, ``ballots`` (encrypt and check), ``tally``, ``trustees`` (the
k-of-n key, partial decryptions, combination) and ``board`` (the public ballot board and its
verifier). ``python -m ecitizen.voting.verify`` and ``python -m ecitizen.voting.trustee`` are the
command-line tools built on them. Importing this package imports nothing else.
"""

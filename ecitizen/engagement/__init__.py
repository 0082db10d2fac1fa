"""Have your say: the platform's citizen engagement.

One package of four Django apps, each with its own models, services, selectors, policies,
views, API router and tests (see docs/adr/0014-engagement-as-four-apps.md):

- :mod:`ecitizen.engagement.consultations` -- consultations and standalone surveys, built with
  the services' form engine; passage comments on draft texts; results and outcomes.
- :mod:`ecitizen.engagement.petitions` -- petitions with sponsors, moderation, signatures,
  thresholds for a response and a debate, counts by district.
- :mod:`ecitizen.engagement.discussions` -- threaded comments where officials answer, topic
  boards, follows and digests, flags and moderation with a public log.
- :mod:`ecitizen.engagement.feedback` -- the one-question satisfaction survey after every
  completed transaction, and satisfaction per service and month.

This package itself is the hub: the "Have your say" page that links them all and the code of
conduct they share.
"""

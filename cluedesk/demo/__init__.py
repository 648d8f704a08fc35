"""Demo data for every app, in one place above them all (issue 21): only the demo reaches into
every register at once, and nothing below it knows it exists.

* the plain demo — ``seed.seed_demo_people``, run by the first `cluedesk serve` in demo mode and by
  plain ``cluedesk seed-demo``: units and staff (``org``), reports (``intake``), clues walked
  through the lifecycle (``clues``), then a few rows of each register (``cases``, ``rectify``,
  ``compliance``, ``records``);
* the calibrated half-year — ``seed-demo --calibrated`` and ``seed-demo --reports N``: imported
  history in bulk (``supervision``), then the registers' yearly figures (``cases``, ``rectify``).

Demo-only commands (``seed-demo``'s people, ``demo-totp``) refuse unless ``CLUEDESK_DEMO`` is on.
"""

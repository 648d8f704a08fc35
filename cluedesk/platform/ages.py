"""Durations in words for staff pages: how long something has waited, how often a job runs.

One unit, rounded down ("14 minutes", "3 hours"): a warning says roughly how old something is,
not to the second. Both languages come from web's catalog.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext, ngettext


def age_text(seconds: float) -> str:
    """``59`` → "59 seconds", ``840`` → "14 minutes", ``7300`` → "2 hours", ``200000`` → "2 days"."""
    s = max(0, int(seconds))
    if s < 60:
        return ngettext("%(n)d second", "%(n)d seconds", s) % {"n": s}
    if s < 3600:
        n = s // 60
        return ngettext("%(n)d minute", "%(n)d minutes", n) % {"n": n}
    if s < 86400:
        n = s // 3600
        return ngettext("%(n)d hour", "%(n)d hours", n) % {"n": n}
    n = s // 86400
    return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}


def every_text(period: dt.timedelta) -> str:
    """How often a periodic job runs: "every minute", "every 15 minutes", "every hour", "every day"."""
    s = int(period.total_seconds())
    unit, n = ("day", s // 86400) if s % 86400 == 0 else ("hour", s // 3600) if s % 3600 == 0 else (
        ("minute", s // 60) if s % 60 == 0 else ("second", s))
    if n == 1:  # its own words: "every minute" (每分钟), not "every 1 minutes" (每 1 分钟)
        return {"day": gettext("every day"), "hour": gettext("every hour"), "minute": gettext("every minute"),
                "second": gettext("every second")}[unit]
    return {"day": ngettext("every %(n)d day", "every %(n)d days", n),
            "hour": ngettext("every %(n)d hour", "every %(n)d hours", n),
            "minute": ngettext("every %(n)d minute", "every %(n)d minutes", n),
            "second": ngettext("every %(n)d second", "every %(n)d seconds", n)}[unit] % {"n": n}

"""The app's settings with their defaults; override any of them in Django settings."""

from django.conf import settings

DEFAULTS = {
    # Days before today always recomputed by the refresh, whatever the history says.
    "INSIGHT_RECENT_DAYS": 2,
    # Changes this old before the last refresh are looked at again: a transaction that
    # committed late is never missed (recomputing a day twice is harmless).
    "INSIGHT_WATERMARK_OVERLAP_SECONDS": 600,
    # Rows listed in the review and the dashboard's "top" tables.
    "INSIGHT_TOP_ROWS": 10,
}


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])

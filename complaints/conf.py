"""The app's settings with their defaults; override any of them in Django settings."""

from django.conf import settings

DEFAULTS = {
    # Customer's answer to the resolution notice: closed automatically after N days.
    "COMPLAINT_AUTO_CLOSE_DAYS": 14,
    # A closed complaint can be reopened within N days.
    "COMPLAINT_REOPEN_DAYS": 30,
    # Warn the owner this many minutes before a deadline.
    "COMPLAINT_SLA_WARNING_MINUTES": 15,
    # Two payments with the same customer, counterparty and amount within N minutes.
    "COMPLAINT_DUPLICATE_WINDOW_MINUTES": 10,
    # A transaction pending longer than N hours is a settlement delay.
    "COMPLAINT_SETTLEMENT_DELAY_HOURS": 24,
    # Assign new complaints automatically among available agents.
    "COMPLAINT_AUTO_ASSIGN": True,
    # Attachments: size per file, files per message.
    "COMPLAINT_ATTACHMENT_MAX_BYTES": 5 * 1024 * 1024,
    "COMPLAINT_ATTACHMENT_MAX_FILES": 5,
    # Complaints handled per sweep run (the rest wait for the next minute).
    "COMPLAINT_SWEEP_BATCH": 500,
}


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])

"""The app's settings with their defaults; override any of them in Django settings."""

from django.conf import settings

DEFAULTS = {
    # Dotted path of the PaymentGateway used for refunds.
    "COMPENSATION_GATEWAY": "compensation.gateways.EmbeddedLedgerGateway",
    "PAYMENT_CORE_URL": "",
    "PAYMENT_CORE_TOKEN": "",
    "PAYMENT_CORE_TIMEOUT_SECONDS": 10.0,
    # Attempts per payout call to the payment core (same key, same parameters).
    "PAYMENT_CORE_ATTEMPTS": 3,
    "PAYMENT_CORE_BACKOFF_SECONDS": 0.5,
    # Draft and pending proposals older than this expire (a fresh quote is needed).
    "COMPENSATION_PROPOSAL_EXPIRY_DAYS": 14,
    # A line still executing this long after its last change is picked up again.
    "COMPENSATION_STALE_EXECUTION_SECONDS": 120,
}


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])

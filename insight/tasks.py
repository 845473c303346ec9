from celery import shared_task

from .services import summary_refresh


@shared_task(name="insight.refresh_daily_summaries")
def refresh_daily_summaries() -> str:
    """Recompute the summary days changed since the last run (idempotent)."""
    return str(summary_refresh())

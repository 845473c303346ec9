"""Shared helpers for the education tests."""

from datetime import datetime

import time_machine
from django.utils import timezone

from education.services.fanout import runs_plan_due


def plan_at(moment: datetime, capture) -> list:
    """Run the planning tick at `moment`, executing the queued chunk tasks (eager Celery)
    as the commit would."""
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return runs_plan_due(now=timezone.now())

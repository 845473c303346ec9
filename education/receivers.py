"""Signal receivers, connected in EducationConfig.ready()."""

from django.db import transaction

from .rules_cache import rules_invalidate


def warning_rules_changed(sender, **kwargs) -> None:
    """Drop every process's compiled rules now and again after commit (a process that
    reloads in between would otherwise cache the uncommitted state)."""
    rules_invalidate()
    transaction.on_commit(rules_invalidate)


def complaint_closed(sender, complaint, **kwargs) -> None:
    from .services.enrolment import enrolment_from_complaint

    enrolment_from_complaint(complaint=complaint)

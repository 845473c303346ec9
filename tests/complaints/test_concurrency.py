"""Two people acting on the same complaint at the same moment: exactly one wins."""

import threading

import pytest
from django.db import connection

from backoffice.core.exceptions import ApplicationError
from complaints import services
from complaints.models import ComplaintEvent, ComplaintState
from tests.backoffice.factories import staff_user
from tests.complaints.factories import fresh, submit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(*calls) -> tuple[int, list[str]]:
    barrier, wins, errors = threading.Barrier(len(calls)), [], []

    def run(call):
        try:
            barrier.wait()
            call()
            wins.append(1)
        except ApplicationError as exc:
            errors.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(wins), errors


def test_two_agents_acknowledging_at_once_one_wins():
    complaint = submit()
    first, second = staff_user("agent", "agent-a"), staff_user("agent", "agent-b")
    wins, errors = _race(
        lambda: services.complaint_acknowledge(complaint=complaint, actor=first),
        lambda: services.complaint_acknowledge(complaint=complaint, actor=second),
    )
    assert (wins, errors) == (1, ["invalid_transition"])
    complaint = fresh(complaint)
    assert complaint.state == ComplaintState.ACKNOWLEDGED
    assert complaint.owner in (first, second)
    acks = ComplaintEvent.objects.filter(complaint=complaint, to_state="acknowledged")
    assert acks.count() == 1 and acks.get().actor == complaint.owner

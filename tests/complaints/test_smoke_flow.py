import pytest

from complaints.models import ComplaintState
from tests.complaints.factories import advance, submit

pytestmark = pytest.mark.django_db


def test_happy_path_reaches_closed(agent):
    complaint = submit()
    assert complaint.owner == agent
    closed = advance(complaint, ComplaintState.CLOSED, agent=agent)
    assert closed.state == ComplaintState.CLOSED

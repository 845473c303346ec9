"""The "Propose resolution" button is offered while the complaint is under investigation,
although its summary (a condition of the transition) is only typed on its own form."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.backoffice.factories import staff_user
from tests.complaints.factories import advance, submit

pytestmark = pytest.mark.django_db


def _buttons(user, complaint) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).content


def test_owner_sees_propose_resolution_while_investigating(agent):
    complaint = advance(submit(), "investigating", agent=agent)
    assert complaint.resolution_summary == ""
    assert b'data-action="propose_resolution"' in _buttons(agent, complaint)


def test_no_propose_resolution_before_investigating_or_for_auditors(agent):
    complaint = advance(submit(), "acknowledged", agent=agent)
    assert b'data-action="propose_resolution"' not in _buttons(agent, complaint)
    complaint = advance(submit(), "investigating", agent=agent)
    assert b'data-action="propose_resolution"' not in _buttons(staff_user("auditor"), complaint)

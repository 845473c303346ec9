"""The complaint list stays cheap on a large table: estimated count only for the
unfiltered list on PostgreSQL, owners offered without reading every complaint, search
through index lookups; and it still lists the right complaints."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import ComplaintSlaBreach
from tests.backoffice.factories import PaymentTransactionFactory, UserFactory, staff_user
from tests.complaints.factories import submit

pytestmark = pytest.mark.django_db
URL = "admin:complaints_complaint_changelist"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _listed(response) -> list[str]:
    return [c.reference for c in response.context["cl"].result_list]


def _pretend_complaints(count: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pg_class SET reltuples = %s WHERE oid = 'complaints_complaint'::regclass",
            [count],
        )


def test_list_shows_every_complaint_newest_first_with_the_exact_count(agent):
    complaints = [submit() for _ in range(3)]
    response = _client(staff_user("supervisor")).get(reverse(URL))
    assert _listed(response) == [c.reference for c in reversed(complaints)]
    cl = response.context["cl"]
    assert cl.result_count == 3 and not cl.paginator.is_estimate
    assert "about 3" not in response.content.decode()


@pytest.mark.postgres
def test_unfiltered_list_of_a_large_table_says_the_count_is_approximate(agent):
    complaints = [submit() for _ in range(2)]
    _pretend_complaints(1_200_000)
    client = _client(staff_user("supervisor"))
    page = client.get(reverse(URL))
    assert page.context["cl"].paginator.is_estimate
    assert "about 1200000" in page.content.decode()
    assert _listed(page) == [c.reference for c in reversed(complaints)]
    filtered = client.get(reverse(URL), {"state": "submitted"})
    assert filtered.context["cl"].result_count == 2
    assert not filtered.context["cl"].paginator.is_estimate
    assert "about" not in filtered.content.decode().split('class="paginator"')[1][:200]


def test_owner_filter_offers_handling_staff_and_filters():
    agent = staff_user("agent")  # no agent profile: nothing is assigned automatically
    mine, other = submit(), submit()
    services.complaint_acknowledge(complaint=mine, actor=agent)
    idle = staff_user("supervisor", username="idle-supervisor")
    UserFactory(username="not-staff")
    client = _client(staff_user("manager"))
    response = client.get(reverse(URL))
    owner_filter = next(
        spec for spec in response.context["cl"].filter_specs if spec.field_path == "owner"
    )
    offered = {label for _pk, label in owner_filter.lookup_choices}
    assert {agent.username, idle.username} <= offered
    assert "not-staff" not in offered
    filtered = client.get(reverse(URL), {"owner__id__exact": agent.pk})
    assert _listed(filtered) == [mine.reference]
    unassigned = client.get(reverse(URL), {"owner__isnull": "True"})
    assert _listed(unassigned) == [other.reference]


def test_search_finds_by_each_field_once_and_every_word_must_match(agent):
    first = submit()
    second = submit(first.customer)
    txn = PaymentTransactionFactory(customer=first.customer)
    linked = submit(first.customer, transaction_ids=[txn.transaction_id])
    stranger = submit()
    client = _client(staff_user("supervisor"))

    def search(term: str) -> list[str]:
        return sorted(_listed(client.get(reverse(URL), {"q": term})))

    assert search(first.reference) == [first.reference]
    assert search(txn.transaction_id) == [linked.reference]
    everyone = sorted([first.reference, second.reference, linked.reference])
    assert search(first.customer.wallet_account_id) == everyone
    assert search(first.customer.phone) == everyone
    assert search(f"{first.customer.phone} {linked.reference}") == [linked.reference]
    assert search(f"{first.reference} {stranger.reference}") == []
    assert search("CMP-NOPE") == []


def test_sla_status_filter_lists_a_complaint_with_two_breaches_once():
    late, on_time = submit(), submit()
    for clock in ("acknowledge", "first_response"):
        ComplaintSlaBreach.objects.create(
            complaint=late,
            clock=clock,
            due_at=getattr(late, f"{clock}_due_at"),
            breached_at=timezone.now(),
        )
    client = _client(staff_user("supervisor"))
    assert _listed(client.get(reverse(URL), {"sla": "breached"})) == [late.reference]
    assert _listed(client.get(reverse(URL), {"sla": "on_time"})) == [on_time.reference]

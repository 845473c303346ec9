"""The admin paginator counts exactly unless the list is unfiltered and PostgreSQL says
the table is large; then it shows the planner's estimate and says so."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.core.paginator import EstimatedCountPaginator
from backoffice.customers.models import Customer
from tests.backoffice.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _pretend_rows(count: int) -> None:
    """Set the planner's row estimate of the customer table (rolled back with the test)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pg_class SET reltuples = %s WHERE oid = 'customers_customer'::regclass",
            [count],
        )


def test_small_or_non_postgres_tables_are_counted_exactly():
    CustomerFactory.create_batch(3)
    paginator = EstimatedCountPaginator(Customer.objects.order_by("id"), 2)
    assert paginator.count == 3
    assert not paginator.is_estimate
    assert paginator.num_pages == 2


@pytest.mark.postgres
def test_unfiltered_large_table_shows_the_estimate_in_one_query():
    CustomerFactory.create_batch(3)
    _pretend_rows(250_000)
    paginator = EstimatedCountPaginator(Customer.objects.order_by("id"), 100)
    with CaptureQueriesContext(connection) as captured:
        assert paginator.count == 250_000
    assert paginator.is_estimate
    assert len(captured.captured_queries) == 1


@pytest.mark.postgres
def test_small_estimate_falls_back_to_the_exact_count_in_the_same_query():
    CustomerFactory.create_batch(3)
    _pretend_rows(5_000)
    paginator = EstimatedCountPaginator(Customer.objects.order_by("id"), 100)
    with CaptureQueriesContext(connection) as captured:
        assert paginator.count == 3
    assert not paginator.is_estimate
    assert len(captured.captured_queries) == 1


@pytest.mark.postgres
def test_filtered_list_is_counted_exactly_even_on_a_large_table():
    first, *_ = CustomerFactory.create_batch(3)
    _pretend_rows(250_000)
    paginator = EstimatedCountPaginator(Customer.objects.filter(pk=first.pk).order_by("id"), 100)
    assert paginator.count == 1
    assert not paginator.is_estimate


def test_a_plain_list_is_counted_as_usual():
    paginator = EstimatedCountPaginator([1, 2, 3], 2)
    assert paginator.count == 3
    assert not paginator.is_estimate

"""Property-based fuzzing of every operation in the app's own /api/schema/ with
schemathesis, through the in-process WSGI application (no network server): a customer
with complaints calls the customer API with a real JWT, the payment core calls the service
API with its credential. Whatever is generated, the answer is never a server error.

Bounded: a few examples per operation, derandomized so that CI runs the same examples."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework_simplejwt.tokens import AccessToken
from schemathesis.checks import not_a_server_error

from backoffice.api.services import service_credential_create
from backoffice.wsgi import application
from tests.backoffice.factories import CustomerWithLoginFactory, PaymentTransactionFactory
from tests.complaints.factories import available_agent, submit

MAX_EXAMPLES = 20


@pytest.fixture
def _keep_test_connection():
    """Requests go straight to the WSGI handler: as Django's test client does, keep its
    request signals from closing the test's database connection mid-transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def credentials(db):
    """Authorization headers of a demo-like customer (login, transactions, complaints) and of
    the payment core."""
    available_agent("agent-fuzz")
    customer = CustomerWithLoginFactory(wallet_account_id="W-FUZZ-1")
    txn = PaymentTransactionFactory(customer=customer)
    submit(customer, transaction_ids=[txn.transaction_id])
    submit(customer, description="Charged twice again, at the bakery.")
    _, token = service_credential_create(name="payment-core-fuzz")
    return {
        "customer": f"Bearer {AccessToken.for_user(customer.user)}",
        "service": f"Service {token}",
    }


def _fuzz(operation, authorization: str) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call(headers={"Authorization": authorization})
        case.validate_response(response, checks=[not_a_server_error])

    run()


def test_no_server_error_for_any_generated_request(credentials, _keep_test_connection):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    failures = []
    for operation in operations:
        role = "service" if "service" in (operation.tags or []) else "customer"
        try:
            _fuzz(operation, credentials[role])
        except Exception as error:  # every operation is fuzzed; all failures reported
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)

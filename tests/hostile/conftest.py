from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from backoffice.api.services import service_credential_create
from complaints import services as complaint_services
from tests.backoffice.factories import CustomerWithLoginFactory, PaymentTransactionFactory
from tests.complaints.factories import available_agent, submit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Attachments go to a throw-away private directory."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def jwt_client(customer) -> APIClient:
    """A client holding a real customer access token (as the wallet app would)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(customer.user)}")
    return client


def row_counts() -> dict[str, int]:
    """The number of rows of every model: a snapshot to prove nothing was written."""
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.managed}


@pytest.fixture
def world(db):
    """Two customers with a complaint each; the other one's complaint has an attachment."""
    available_agent("agent-hostile")
    me, other = CustomerWithLoginFactory(), CustomerWithLoginFactory()
    mine = submit(me)
    theirs = submit(
        other, transaction_ids=[PaymentTransactionFactory(customer=other).transaction_id]
    )
    message = complaint_services.complaint_add_message(
        complaint=theirs,
        actor=other.user,
        body="Receipt attached.",
        files=[SimpleUploadedFile("receipt.png", PNG, content_type="image/png")],
    )
    _, service_token = service_credential_create(name="payment-core-hostile")
    service = APIClient()
    service.credentials(HTTP_AUTHORIZATION=f"Service {service_token}")
    return SimpleNamespace(
        me=me,
        other=other,
        mine=mine,
        theirs=theirs,
        their_attachment=message.attachments.get(),
        client=jwt_client(me),
        service=service,
    )

import pytest
from django.contrib.auth.models import Permission

from backoffice.audit.models import AuditEntry
from tests.backoffice.factories import CustomerFactory, staff_user

pytestmark = pytest.mark.django_db
PHONE, EMAIL, ID_NUMBER = "13812345678", "amy.chan@mail.example", "110101199003074518"


@pytest.fixture
def customer():
    return CustomerFactory(phone=PHONE, email=EMAIL, id_number=ID_NUMBER)


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    return response.status_code, response.content.decode()


def test_list_masks_personal_data(client, customer):
    status, html = _page(client, staff_user("agent"), "/admin/customers/customer/")
    assert status == 200
    assert "138****5678" in html and PHONE not in html and EMAIL not in html


def test_detail_is_masked_until_unmasked_and_unmasking_is_recorded(client, customer):
    agent = staff_user("agent")
    url = f"/admin/customers/customer/{customer.pk}/change/"
    status, html = _page(client, agent, url)
    assert status == 200 and PHONE not in html and ID_NUMBER not in html
    assert "1101**********4518" in html
    assert not AuditEntry.objects.filter(action="pii.unmasked").exists()
    status, html = _page(client, agent, url + "?unmask=1")
    assert PHONE in html and ID_NUMBER in html
    entry = AuditEntry.objects.get(action="pii.unmasked")
    assert entry.actor == agent and entry.object_id == str(customer.pk)


def test_auditor_sees_masked_data_and_cannot_unmask_or_edit(client, customer):
    auditor = staff_user("auditor")
    url = f"/admin/customers/customer/{customer.pk}/change/"
    status, html = _page(client, auditor, url + "?unmask=1")
    assert status == 200 and PHONE not in html and EMAIL not in html
    assert 'name="name"' not in html  # read-only page: no form inputs
    assert client.post(url, {"name": "changed"}).status_code == 403
    assert _page(client, auditor, url.replace("change/", "history/"))[0] == 403
    assert not AuditEntry.objects.filter(action="pii.unmasked").exists()


def test_auditor_granted_unmask_explicitly_is_recorded(client, customer):
    auditor = staff_user("auditor")
    auditor.user_permissions.add(Permission.objects.get(codename="unmask_pii"))
    url = f"/admin/customers/customer/{customer.pk}/"
    status, html = _page(client, auditor, url + "change/?unmask=1")
    assert status == 200 and PHONE in html
    assert _page(client, auditor, url + "history/")[0] == 200
    views = sorted(
        AuditEntry.objects.filter(action="pii.unmasked").values_list("data__view", flat=True)
    )
    assert views == ["customer", "history"]


def test_transactions_cannot_be_changed_in_the_admin(client):
    manager = staff_user("manager")
    client.force_login(manager)
    assert client.get("/admin/customers/paymenttransaction/add/").status_code == 403

import pytest
from django.contrib.auth.models import Group

from backoffice.roles.models import Role
from backoffice.roles.selectors import user_has_role, user_rank, user_roles
from tests.backoffice.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db


def test_every_role_group_exists_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_auditor_has_only_view_permissions():
    perms = Group.objects.get(name="auditor").permissions.all()
    assert perms.exists()
    assert all(p.codename.startswith("view_") for p in perms)
    assert perms.filter(codename="view_customer").exists()
    assert perms.filter(codename="view_historicalcustomer").exists()


def test_operational_roles_get_their_table():
    agent = staff_user("agent")
    manager = staff_user("manager")
    assert agent.has_perm("customers.view_customer")
    assert not agent.has_perm("customers.change_customer")
    assert manager.has_perm("customers.change_customer")
    assert not staff_user("auditor").has_perm("notifications.retry_notification")


def test_role_selectors():
    supervisor = staff_user("supervisor")
    assert user_roles(supervisor) == {"supervisor"}
    assert user_has_role(supervisor, Role.SUPERVISOR, Role.MANAGER)
    assert not user_has_role(supervisor, Role.AGENT)
    assert user_rank(supervisor) == 2
    assert user_rank(UserFactory()) == 0
    inactive = staff_user("manager", is_active=False)
    assert user_roles(inactive) == set()

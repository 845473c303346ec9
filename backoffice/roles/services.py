import importlib.util

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .definitions import AUDITED_APP_LABELS, ROLE_PERMISSIONS
from .models import Role


def role_permission_table() -> dict[str, list[str]]:
    """The kernel's table merged with each app's `role_permissions.ROLE_PERMISSIONS`."""
    table = {role: list(perms) for role, perms in ROLE_PERMISSIONS.items()}
    for config in apps.get_app_configs():
        module = f"{config.name}.role_permissions"
        if config.name.startswith("django") or importlib.util.find_spec(module) is None:
            continue
        for role, perms in importlib.import_module(module).ROLE_PERMISSIONS.items():
            table.setdefault(role, []).extend(perms)
    return table


def _permissions(names: list[str], *, using: str) -> list[Permission]:
    wanted = {tuple(name.split(".", 1)) for name in names}
    found = Permission.objects.using(using).select_related("content_type")
    return [p for p in found if (p.content_type.app_label, p.codename) in wanted]


@transaction.atomic
def roles_sync_permissions(*, using: str = "default") -> None:
    """Create the role groups if missing and give each exactly its table of permissions.
    The auditor gets every view_ permission of the audited apps and nothing else."""
    table = role_permission_table()
    for role in Role:
        group, _ = Group.objects.using(using).get_or_create(name=role.value)
        if role == Role.AUDITOR:
            perms = Permission.objects.using(using).filter(
                content_type__app_label__in=AUDITED_APP_LABELS, codename__startswith="view_"
            )
        else:
            perms = _permissions(table.get(role, []), using=using)
        group.permissions.set(perms)

"""Named system actors: Celery tasks, commands and integrations act as a real user row, so
every history record and audit entry is attributed, never blank."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

SYSTEM_PREFIX = "system:"


def system_actor(name: str) -> AbstractBaseUser:
    """The inactive user `system:<name>`; it can never log in."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=f"{SYSTEM_PREFIX}{name}",
        defaults={"is_active": False, "first_name": name},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def is_system_actor(user: AbstractBaseUser | None) -> bool:
    return bool(user and user.get_username().startswith(SYSTEM_PREFIX))

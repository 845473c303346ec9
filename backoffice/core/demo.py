"""Demo staff users, one per role."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from backoffice.roles.models import Role

STAFF = [
    ("agent1", "Alice", "Chan", Role.AGENT),
    ("agent2", "Bo", "Li", Role.AGENT),
    ("supervisor1", "Carmen", "Wong", Role.SUPERVISOR),
    ("manager1", "David", "Lau", Role.MANAGER),
    ("auditor1", "Erin", "Ho", Role.AUDITOR),
    ("editor1", "Fiona", "Cheung", Role.CONTENT_EDITOR),
]


def seed_demo(ctx) -> None:
    user_model = get_user_model()
    for username, first, last, role in STAFF:
        user, _ = user_model.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@wallet.example",
            },
        )
        user.is_staff, user.is_active = True, True
        user.set_password(ctx.password)
        user.save()
        user.groups.set([Group.objects.get(name=role.value)])
        ctx.logins.append((username, role.label))

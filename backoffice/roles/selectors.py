from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from .models import Role

# A higher role can do what a lower one can in the complaint workflow.
_RANK = {Role.AGENT: 1, Role.SUPERVISOR: 2, Role.MANAGER: 3}


def user_roles(user: AbstractBaseUser | AnonymousUser | None) -> set[str]:
    """Names of the role groups the user belongs to (cached on the user object)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = {r.value for r in Role if r.value in names}
        user._role_names = cached
    return cached


def user_has_role(user: AbstractBaseUser | AnonymousUser | None, *roles: str) -> bool:
    return bool(user_roles(user) & {str(r) for r in roles})


def user_rank(user: AbstractBaseUser | AnonymousUser | None) -> int:
    """0 for no handling role, 1 agent, 2 supervisor, 3 manager."""
    return max((_RANK.get(Role(r), 0) for r in user_roles(user)), default=0)

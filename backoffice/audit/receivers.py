"""What the audit chain records on its own: staff logins and logouts (failures too), every
change of roles, permissions or staff flags, and the domain changes listed in registry.py."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record

from .middleware import stamp_login
from .registry import CHAINED_FIELDS
from .services import audit_record

User = get_user_model()
_FLAGS = ("is_staff", "is_superuser", "is_active")


def current_actor():
    """The user of the request being served (set by simple_history's middleware), if any."""
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def _client(request) -> dict:
    if request is None:
        return {}
    return {
        "ip": request.META.get("REMOTE_ADDR", ""),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200],
        "request_id": getattr(request, "request_id", ""),
    }


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    stamp_login(request)
    audit_record(actor=user, action="auth.login", obj=user, data=_client(request))


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        data = _client(request)
        data["reason"] = getattr(request, "session_end_reason", "") or "logout"
        audit_record(actor=user, action="auth.logout", obj=user, data=data)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        actor=None,
        action="auth.login_failed",
        object_repr=username,
        data={"username": username, **_client(request)},
    )


@receiver(pre_save, sender=User, dispatch_uid="audit_user_flags_before")
def _remember_flags(sender, instance, **kwargs):
    if instance.pk:
        instance._audit_flags_before = (
            User.objects.filter(pk=instance.pk).values(*_FLAGS).first() or {}
        )


@receiver(post_save, sender=User, dispatch_uid="audit_user_flags_after")
def _record_flags(sender, instance, created, **kwargs):
    before = getattr(instance, "_audit_flags_before", {})
    changed = {
        f: getattr(instance, f) for f in _FLAGS if before and before.get(f) != getattr(instance, f)
    }
    if created and (instance.is_staff or instance.is_superuser):
        changed = {f: getattr(instance, f) for f in _FLAGS}
    if changed:
        audit_record(
            actor=current_actor(), action="auth.user_flags_changed", obj=instance, data=changed
        )


def _names(model, pk_set) -> list[str]:
    if model is Group:
        return sorted(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
    return sorted(
        f"{p.content_type.app_label}.{p.codename}"
        for p in model.objects.filter(pk__in=pk_set).select_related("content_type")
    )


def _record_m2m(action_name: str, instance, action: str, model, pk_set) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    audit_record(
        actor=current_actor(),
        action=action_name,
        obj=instance,
        data={"change": action.removeprefix("post_"), "items": _names(model, pk_set or [])},
    )


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="audit_user_groups")
def _user_groups(sender, instance, action, model, pk_set, **kwargs):
    _record_m2m("auth.roles_changed", instance, action, model, pk_set)


@receiver(m2m_changed, sender=User.user_permissions.through, dispatch_uid="audit_user_perms")
def _user_permissions(sender, instance, action, model, pk_set, **kwargs):
    _record_m2m("auth.user_permissions_changed", instance, action, model, pk_set)


@receiver(m2m_changed, sender=Group.permissions.through, dispatch_uid="audit_group_perms")
def _group_permissions(sender, instance, action, model, pk_set, **kwargs):
    _record_m2m("auth.role_permissions_changed", instance, action, model, pk_set)


_HISTORY_VERBS = {"+": "created", "~": "changed", "-": "deleted"}


def _field_value(record, field: str):
    """A historical record's value of `field` (the id, for a foreign key)."""
    return getattr(record, f"{field}_id", getattr(record, field, None))


@receiver(post_create_historical_record, dispatch_uid="audit_chained_changes")
def _chain_domain_change(sender, instance, history_instance, **kwargs):
    label = instance._meta.label_lower
    fields = CHAINED_FIELDS.get(label)
    if not fields:
        return
    verb = _HISTORY_VERBS[history_instance.history_type]
    previous = history_instance.prev_record if verb == "changed" else None
    changes = {
        field: [
            _field_value(previous, field) if previous else None,
            _field_value(history_instance, field),
        ]
        for field in fields
    }
    if verb == "changed":
        changes = {field: pair for field, pair in changes.items() if pair[0] != pair[1]}
        if not changes:
            return
    audit_record(
        actor=history_instance.history_user,
        action=f"{label}.{verb}",
        obj=instance,
        data={"changes": changes, "reason": history_instance.history_change_reason or ""},
    )

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RolesConfig(AppConfig):
    name = "backoffice.roles"
    label = "roles"
    verbose_name = _("Roles")

    def ready(self) -> None:
        # Permissions exist only after every app migrated: sync the role groups then.
        post_migrate.connect(_sync_after_migrate, dispatch_uid="roles_sync_permissions")


def _sync_after_migrate(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    from django.apps import apps

    # post_migrate is sent once per app with models, in INSTALLED_APPS order; the
    # permissions of every app exist only when the last one has been handled.
    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if sender.label != with_models[-1].label:
        return
    from .services import roles_sync_permissions

    roles_sync_permissions(using=using)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "backoffice.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from .history_admin import history_admin_make_read_only

        history_admin_make_read_only()

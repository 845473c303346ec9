import importlib.util

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class EducationConfig(AppConfig):
    name = "education"
    verbose_name = _("Education")

    def ready(self) -> None:
        from backoffice.core.seeding import restore_seed_after_flush

        from . import receivers
        from .models import WarningRule, WarningText

        restore_seed_after_flush(
            self,
            marker_model="FrequencyCap",
            migration="0002_default_frequency_cap",
            function="create_default_cap",
        )
        for model in (WarningRule, WarningText):
            for signal in (post_save, post_delete):
                signal.connect(
                    receivers.warning_rules_changed,
                    sender=model,
                    dispatch_uid=f"education_rules_{model.__name__}_{signal is post_save}",
                )
        # The complaints app sends complaint_closed inside the closing transaction.
        if importlib.util.find_spec("complaints.signals") is not None:
            from complaints.signals import complaint_closed

            complaint_closed.connect(
                receivers.complaint_closed, dispatch_uid="education_complaint_closed"
            )

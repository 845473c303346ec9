from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompensationConfig(AppConfig):
    name = "compensation"
    verbose_name = _("Compensation")

    def ready(self) -> None:
        # The complaint's resolution notice lists what was paid, and waits while a
        # proposal for the complaint is still open.
        from complaints import hooks

        from .selectors import complaint_compensation_lines, complaint_notice_blocker

        if complaint_compensation_lines not in hooks.notice_compensation_providers:
            hooks.notice_compensation_providers.append(complaint_compensation_lines)
        if complaint_notice_blocker not in hooks.resolution_notice_guards:
            hooks.resolution_notice_guards.append(complaint_notice_blocker)

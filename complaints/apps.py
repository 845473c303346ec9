from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from backoffice.core.seeding import restore_seed_after_flush

        from .config_cache import CONFIG, CONFIG_MODELS

        CONFIG.invalidate_on_change(*CONFIG_MODELS)

        restore_seed_after_flush(
            self,
            marker_model="RegulatoryRegime",
            migration="0002_seed_regimes_and_knowledge_base",
            function="seed",
            then=(("0004_regime_retention_years", "set_retention"),),
        )

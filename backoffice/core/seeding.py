"""Reference data seeded by data migrations, put back after a database flush.

Django's flush (used between transactional tests, and by `manage.py flush`) empties every
table, data migrations included, then re-sends post_migrate. An app registers its seed
here; when its marker table is empty after a migrate or flush, the migration's own seed
function runs again. Edited data is never touched: a non-empty table is left alone.
"""

import importlib
from types import SimpleNamespace

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db import connections
from django.db.models.signals import post_migrate


def restore_seed_after_flush(
    app_config: AppConfig,
    *,
    marker_model: str,
    migration: str,
    function: str,
    then: tuple[tuple[str, str], ...] = (),
) -> None:
    """`then` lists later data migrations (migration, function) that amend the seed; they
    run after it, in order, as they did on the first migrate."""

    def restore(sender: AppConfig, using: str = "default", apps=None, **kwargs) -> None:
        apps = apps or global_apps  # flush sends post_migrate without the migration state
        try:
            model = apps.get_model(app_config.label, marker_model)
        except LookupError:
            return  # the app is migrated to zero: nothing to seed into
        if model.objects.using(using).exists():
            return
        schema_editor = SimpleNamespace(connection=connections[using])
        for name, func in ((migration, function), *then):
            step = getattr(importlib.import_module(f"{app_config.name}.migrations.{name}"), func)
            step(apps, schema_editor)

    post_migrate.connect(
        restore, sender=app_config, weak=False, dispatch_uid=f"{app_config.label}_seed_restore"
    )

"""The WSGI module loads the URLconfs and freezes the start-up objects out of the
collector's way (no full-collection pause on requests for what never dies)."""

import gc
import importlib
import sys


def test_wsgi_module_freezes_the_start_up_objects():
    gc.unfreeze()
    sys.modules.pop("backoffice.wsgi", None)
    try:
        module = importlib.import_module("backoffice.wsgi")
        assert callable(module.application)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()

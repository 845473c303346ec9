import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings.base")
application = get_wsgi_application()
# Load every URLconf (and so every view, serializer and model module) now, then move all
# of it to the collector's permanent generation: a full collection in a worker otherwise
# walks those ~200,000 start-up objects, a pause of about 100 ms that falls on whichever
# request is running (a tail-latency spike every thousand requests or so).
get_resolver().url_patterns  # noqa: B018 (imports the URLconfs)
gc.freeze()

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from backoffice.api import health

admin.site.site_header = _("Complaint back-office")
admin.site.site_title = _("Complaint back-office")
admin.site.index_title = _("Operations")

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/", include("backoffice.api.urls_v1")),
]
if settings.BENCH_BASELINE:  # the benchmarks' plain-DRF baseline, never on in production
    urlpatterns.append(path("api/bench/baseline/", include("backoffice.benchbaseline.urls")))

handler400 = "backoffice.api.exceptions.json_bad_request"
handler404 = "backoffice.api.exceptions.json_not_found"
handler500 = "backoffice.api.exceptions.json_server_error"

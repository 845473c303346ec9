from django.urls import include, path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny


@api_view(["GET"])
@permission_classes([AllowAny])
def crash(request):
    raise RuntimeError("boom 13812345678")


urlpatterns = [
    path("api/v1/crash/", crash),
    path("", include("backoffice.urls")),
]
handler500 = "backoffice.api.exceptions.json_server_error"
handler404 = "backoffice.api.exceptions.json_not_found"

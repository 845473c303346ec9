"""Base for the service-to-service API: only service credentials, nothing else."""

from rest_framework.views import APIView

from .authentication import ServiceCredentialAuthentication
from .permissions import IsService


class ServiceAPIView(APIView):
    authentication_classes = [ServiceCredentialAuthentication]
    permission_classes = [IsService]

"""/api/v1/: mounted once; each app contributes its own urls."""

from django.urls import include, path

from .views import CustomerTokenObtainView, CustomerTokenRefreshView

urlpatterns = [
    path("auth/token/", CustomerTokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", CustomerTokenRefreshView.as_view(), name="token-refresh"),
    path("", include("backoffice.customers.urls")),
    path("", include("backoffice.notifications.urls")),
    path("", include("complaints.urls")),
    path("", include("compensation.urls")),
    path("", include("education.urls")),
]

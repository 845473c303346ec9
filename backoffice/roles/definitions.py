"""What each role may do, as Django model permissions (`app_label.codename`).

The auditor gets every `view_` permission of the project's apps and nothing else. Each app
adds its own in `<app>/role_permissions.py` (a ROLE_PERMISSIONS dict of the same shape);
`roles_sync_permissions` merges them and applies the table after migrate.
"""

from .models import Role

# Apps whose every model the auditor may view.
AUDITED_APP_LABELS = (
    "customers",
    "notifications",
    "api",
    "audit",
    "complaints",
    "compensation",
    "education",
    "insight",
    "auth",
)

_CUSTOMER_VIEW = [
    "customers.view_customer",
    "customers.view_paymenttransaction",
    "customers.unmask_pii",
]
_NOTIFICATION_VIEW = ["notifications.view_notification"]
_NOTIFICATION_RETRY = ["notifications.retry_notification"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.AGENT: [*_CUSTOMER_VIEW, *_NOTIFICATION_VIEW],
    Role.SUPERVISOR: [*_CUSTOMER_VIEW, *_NOTIFICATION_VIEW, *_NOTIFICATION_RETRY],
    Role.MANAGER: [
        *_CUSTOMER_VIEW,
        *_NOTIFICATION_VIEW,
        *_NOTIFICATION_RETRY,
        "customers.change_customer",
    ],
    Role.CONTENT_EDITOR: [],
    # Filled from AUDITED_APP_LABELS: every view_ permission. Auditors see personal data
    # masked; `customers.unmask_pii` is granted to an auditor individually if ever needed.
    Role.AUDITOR: [],
}

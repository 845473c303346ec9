"""Who sees the insight reports. Auditors get every view_ permission of the app through
AUDITED_APP_LABELS (the reports are read-only anyway); agents get none."""

_REPORTS = ["insight.view_dashboard", "insight.view_casereview", "insight.view_regulatoryreport"]

ROLE_PERMISSIONS = {
    "supervisor": [*_REPORTS],
    "manager": [*_REPORTS],
}

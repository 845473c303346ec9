"""No revert through the admin's history pages.

simple-history's `history_form_view` saves a POST to an object's history page as a
revert: it checks only the *view* permission and ignores SIMPLE_HISTORY_REVERT_DISABLED
(the setting only hides the button). A revert writes old field values straight over the
row, past the state machines, the approvals and the services' own history reasons; so
while reverts are disabled the page answers GET only, for every SimpleHistoryAdmin.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

_history_form_view = SimpleHistoryAdmin.history_form_view


def _history_form_view_read_only(self, request, object_id, version_id, extra_context=None):
    if request.method not in ("GET", "HEAD") and settings.SIMPLE_HISTORY_REVERT_DISABLED:
        raise PermissionDenied
    return _history_form_view(self, request, object_id, version_id, extra_context)


def history_admin_make_read_only() -> None:
    """Called once from CoreConfig.ready()."""
    SimpleHistoryAdmin.history_form_view = _history_form_view_read_only

"""Signals other apps listen to.

`complaint_closed` is sent inside the closing transaction with `complaint=`; receivers
must be idempotent (a complaint closed, reopened and closed again sends it twice).
"""

from django.dispatch import Signal

complaint_closed = Signal()

"""Log plumbing: the request id of the current request on every line, and PII masked."""

import logging
from contextvars import ContextVar

from .masking import mask_text

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class MaskPIIFilter(logging.Filter):
    """Masks phone numbers, e-mail addresses and ID numbers in the rendered message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True

"""Messages between the customer and staff (with private attachments) and internal notes."""

import hashlib
import os
import re
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import exceptions
from ..conf import setting
from ..models import (
    AlertKind,
    Complaint,
    ComplaintAttachment,
    ComplaintMessage,
    ComplaintNote,
    ComplaintState,
    EventKind,
    SenderKind,
    Visibility,
)
from ..permissions import Action
from ._core import (
    alert_staff,
    locked,
    notify_customer,
    record_event,
    require_permission,
    require_text,
    run_transition,
    system,
)
from .workflow import staff_update

# Content sniffing: the first bytes decide the type, never the name or the client's claim.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"%PDF-", "application/pdf"),
)


def sniff_content_type(head: bytes) -> str | None:
    return next((kind for magic, kind in _SIGNATURES if head.startswith(magic)), None)


_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "application/pdf": ".pdf"}


def attachment_download_name(*, name: str, content_type: str) -> str:
    """The name a download is saved under: the original name's letters, digits, spaces,
    dots and dashes, with the extension of the sniffed type (a PNG sent as "x.html" is saved
    as "x.png"), so that a saved attachment never opens as something else."""
    stem = re.sub(r"[^\w .-]+", "_", os.path.splitext(name)[0]).strip(" ._")
    return (stem or "attachment")[:100] + _EXTENSIONS.get(content_type, "")


def _refuse(message: str) -> exceptions.AttachmentRejected:
    return exceptions.AttachmentRejected(
        fields={"attachments": [{"code": "attachment_rejected", "message": message}]}
    )


def _checked_files(files: Sequence[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    if len(files) > setting("COMPLAINT_ATTACHMENT_MAX_FILES"):
        raise _refuse(_("Too many files."))
    limit = setting("COMPLAINT_ATTACHMENT_MAX_BYTES")
    checked = []
    for upload in files:
        if upload.size is None or upload.size > limit or upload.size == 0:
            raise _refuse(_("%(name)s is empty or too large.") % {"name": upload.name})
        upload.seek(0)
        kind = sniff_content_type(upload.read(16))
        upload.seek(0)
        if kind is None:
            raise _refuse(_("%(name)s is not a PNG, JPEG or PDF file.") % {"name": upload.name})
        checked.append((upload, kind))
    return checked


def _store(message: ComplaintMessage, upload: UploadedFile, kind: str) -> ComplaintAttachment:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = ComplaintAttachment(
        message=message,
        original_name=os.path.basename(upload.name or "file")[:200],
        content_type=kind,
        size=upload.size,
        sha256=digest.hexdigest(),
    )
    attachment.file.save("upload", upload, save=False)
    attachment.save()
    return attachment


def _is_customer(complaint: Complaint, actor: Any) -> bool:
    return not actor.is_staff and getattr(actor, "customer", None) == complaint.customer


@transaction.atomic
def complaint_add_message(
    *, complaint: Complaint, actor: Any, body: str, files: Sequence[UploadedFile] = ()
) -> ComplaintMessage:
    """A message on an open complaint. A customer's answer while information was requested
    resumes the investigation; a staff message counts as a progress update."""
    complaint = locked(complaint)
    require_permission(complaint, actor, Action.ADD_MESSAGE)
    if not complaint.is_open:
        raise exceptions.InvalidTransition()
    body = (body or "").strip()
    if not body and not files:
        raise exceptions.MessageEmpty()
    checked = _checked_files(files)
    from_customer = _is_customer(complaint, actor)
    message = ComplaintMessage.objects.create(
        complaint=complaint,
        author=actor,
        sender=SenderKind.CUSTOMER if from_customer else SenderKind.STAFF,
        body=body,
    )
    for upload, kind in checked:
        _store(message, upload, kind)
    event = record_event(
        complaint, actor=actor, kind=EventKind.MESSAGE, data={"message": message.pk}
    )
    if from_customer:
        _customer_wrote(complaint)
    else:
        staff_update(complaint, actor)
        notify_customer(complaint, template="complaint_message", event=event)
    return message


def _customer_wrote(complaint: Complaint) -> None:
    if complaint.state == ComplaintState.AWAITING_CUSTOMER_INFO:
        run_transition(
            complaint,
            actor=system("complaints"),
            name="resume_investigation",
            reason=_("The customer sent the information requested."),
            visibility=Visibility.CUSTOMER,
            at=timezone.now(),
        )
    message = _("The customer wrote about complaint %(ref)s.") % {"ref": complaint.reference}
    alert_staff(complaint.owner, complaint, kind=AlertKind.CUSTOMER_MESSAGE, message=message)


@transaction.atomic
def complaint_add_internal_note(*, complaint: Complaint, actor: Any, body: str) -> ComplaintNote:
    """A note for colleagues; customers never see it."""
    body = require_text(body, "body", exceptions.MessageEmpty)
    complaint = locked(complaint)
    require_permission(complaint, actor, Action.ADD_NOTE)
    return ComplaintNote.objects.create(complaint=complaint, author=actor, body=body)

"""Customer REST API: thin views (input serializer -> service/selector -> output)."""

from django.core.exceptions import ObjectDoesNotExist
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from backoffice.api.authentication import (
    CustomerJWTAuthentication,
    IdentityProviderJWTAuthentication,
)
from backoffice.api.pagination import StandardPagination
from backoffice.api.parsers import DecimalJSONParser
from backoffice.api.permissions import customer_of
from backoffice.api.throttling import AvailableScopedRateThrottle

from . import services
from .exceptions import ComplaintNotFound
from .idempotency import idempotency_key_of, request_fingerprint
from .models import Complaint, ComplaintAttachment
from .selectors import complaint_get_for_customer, complaint_list_for_customer
from .serializers import (
    ComplaintCreateIn,
    ComplaintDetailOut,
    ComplaintOut,
    MessageIn,
    MessageOut,
    RatingIn,
    ReasonIn,
    RejectIn,
    attachment_out,
)
from .services.messages import attachment_download_name

TAGS = ["complaints"]
REFERENCE = OpenApiParameter(
    "reference", str, OpenApiParameter.PATH, description="e.g. CMP-20261122-7KQ2MX"
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="A unique key per complaint the app files (at most 200 printable ASCII "
    "characters, else 400 idempotency_key_invalid): a retry with the same key and "
    "body files nothing new and answers 201 with the complaint that key filed, as it "
    "stands now; the same key with another body is a 422.",
)
ERRORS = {
    400: OpenApiResponse(description="validation_error and friends"),
    404: OpenApiResponse(description="complaint_not_found"),
    409: OpenApiResponse(description="invalid_transition"),
}
EXAMPLE_COMPLAINT = {
    "reference": "CMP-20261122-7KQ2MX",
    "state": "submitted",
    "state_label": "Submitted",
    "category": "duplicate_charge",
    "category_label": "Duplicate charge",
    "channel": "in_app",
    "description": "I was charged twice at Harbour Coffee.",
    "amount": "100.000",
    "currency": "HKD",
    "occurred_at": "2026-11-22T09:30:00+08:00",
    "transaction_ids": ["TXN20261122000001"],
    "handled_by": {"first_name": "Alice", "role": "agent"},
    "sla_expectations": [
        "We will acknowledge your complaint by 2026-11-22 10:30 (HKT).",
        "We will send you our final response by 2026-12-07 23:59 (CST) at the latest.",
    ],
    "actions": ["withdraw", "message"],
    "satisfaction_score": None,
    "created_at": "2026-11-22T10:00:00+08:00",
    "closed_at": None,
}


def _own(request, reference: str) -> Complaint:
    return complaint_get_for_customer(customer=customer_of(request), reference=reference)


def _detail(complaint: Complaint) -> dict:
    complaint = Complaint.objects.select_related("customer", "owner").get(pk=complaint.pk)
    return ComplaintDetailOut(complaint).data


class ComplaintListCreateApi(APIView):
    throttle_scope = "intake"

    def get_throttles(self):
        return [AvailableScopedRateThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        tags=TAGS,
        summary="List my complaints",
        responses={200: ComplaintOut(many=True)},
        examples=[OpenApiExample("Page", value=[EXAMPLE_COMPLAINT], response_only=True)],
    )
    def get(self, request):
        paginator = StandardPagination()
        complaints = complaint_list_for_customer(customer=customer_of(request)).select_related(
            "owner"
        )
        page = paginator.paginate_queryset(complaints.prefetch_related("transactions"), request)
        return paginator.get_paginated_response(ComplaintOut(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="File a complaint",
        description="The answer comes as soon as the complaint is stored, with its "
        "reference and what to expect (`sla_expectations`). The transaction checks, the "
        "assignment to an agent and the acknowledgement message on the customer's channel "
        "follow within seconds: `handled_by` is null in this answer and filled in the "
        "complaint's detail once an agent has it.",
        parameters=[IDEMPOTENCY_KEY],
        request=ComplaintCreateIn,
        responses={201: ComplaintOut, 422: OpenApiResponse(description="idempotency_key_reused")}
        | ERRORS,
        examples=[
            OpenApiExample(
                "Duplicate charge",
                request_only=True,
                value={
                    "category": "duplicate_charge",
                    "description": "I was charged twice at Harbour Coffee.",
                    "amount": "100.00",
                    "currency": "HKD",
                    "occurred_at": "2026-11-22T09:30:00+08:00",
                    "transaction_ids": ["TXN20261122000001"],
                },
            ),
            OpenApiExample(
                "Filed",
                value={**EXAMPLE_COMPLAINT, "handled_by": None},
                response_only=True,
                status_codes=[201],
            ),
        ],
    )
    def post(self, request):
        key = idempotency_key_of(request)
        data = ComplaintCreateIn(data=request.data)
        data.is_valid(raise_exception=True)
        complaint, _created = services.complaint_file(
            customer=customer_of(request),
            actor=request.user,
            idempotency_key=key,
            request_hash=request_fingerprint(request.data) if key else "",
            **data.validated_data,
        )
        return Response(ComplaintOut(complaint).data, status=status.HTTP_201_CREATED)


class ComplaintDetailApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="One of my complaints, with its timeline",
        parameters=[REFERENCE],
        responses={200: ComplaintDetailOut} | ERRORS,
        examples=[OpenApiExample("Complaint", value=EXAMPLE_COMPLAINT, response_only=True)],
    )
    def get(self, request, reference: str):
        return Response(_detail(_own(request, reference)))


class ComplaintMessageApi(APIView):
    parser_classes = [MultiPartParser, FormParser, DecimalJSONParser]

    @extend_schema(
        tags=TAGS,
        summary="Write to the complaints team (text and PNG/JPEG/PDF attachments)",
        parameters=[REFERENCE],
        request={"multipart/form-data": MessageIn, "application/json": MessageIn},
        responses={201: MessageOut} | ERRORS,
        examples=[
            OpenApiExample("Text", request_only=True, value={"body": "Here is my receipt."}),
            OpenApiExample(
                "Sent",
                response_only=True,
                status_codes=[201],
                value={
                    "id": 7,
                    "body": "Here is my receipt.",
                    "created_at": "2026-11-22T11:00:00+08:00",
                    "attachments": [],
                },
            ),
        ],
    )
    def post(self, request, reference: str):
        complaint = _own(request, reference)
        data = MessageIn(data={"body": request.data.get("body", "")})
        data.is_valid(raise_exception=True)
        message = services.complaint_add_message(
            complaint=complaint,
            actor=request.user,
            body=data.validated_data["body"],
            files=request.FILES.getlist("attachments"),
        )
        body = {
            "id": message.pk,
            "body": message.body,
            "created_at": message.created_at,
            "attachments": [attachment_out(complaint, a) for a in message.attachments.all()],
        }
        return Response(MessageOut(body).data, status=status.HTTP_201_CREATED)


def _answer_view(*, summary: str, request_serializer, call, example: dict):
    class AnswerApi(APIView):
        @extend_schema(
            tags=TAGS,
            summary=summary,
            parameters=[REFERENCE],
            request=request_serializer,
            responses={200: ComplaintDetailOut} | ERRORS,
            examples=[OpenApiExample("Request", request_only=True, value=example)],
        )
        def post(self, request, reference: str):
            complaint = _own(request, reference)
            data = request_serializer(data=request.data)
            data.is_valid(raise_exception=True)
            call(complaint=complaint, actor=request.user, **data.validated_data)
            return Response(_detail(complaint))

    return AnswerApi


ComplaintAcceptApi = _answer_view(
    summary="Accept the outcome (closes the complaint)",
    request_serializer=ReasonIn,
    call=services.complaint_accept_resolution,
    example={"reason": ""},
)
ComplaintRejectApi = _answer_view(
    summary="Reject the outcome (escalates the complaint); a reason is required",
    request_serializer=RejectIn,
    call=services.complaint_reject_resolution,
    example={"reason": "The refund does not cover the fee."},
)
ComplaintWithdrawApi = _answer_view(
    summary="Withdraw the complaint",
    request_serializer=ReasonIn,
    call=services.complaint_withdraw,
    example={"reason": "The money arrived."},
)
ComplaintRatingApi = _answer_view(
    summary="Rate the handling (1 to 5) after closing",
    request_serializer=RatingIn,
    call=services.complaint_rate,
    example={"score": 5, "reason": "Quick and clear."},
)


class OwnerCustomerOrStaff(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated)


class ComplaintAttachmentApi(APIView):
    """Streams a private attachment to the complaint's customer or to staff, never inline
    and never sniffed by the browser."""

    authentication_classes = [
        CustomerJWTAuthentication,
        IdentityProviderJWTAuthentication,
        SessionAuthentication,
    ]
    permission_classes = [OwnerCustomerOrStaff]

    @extend_schema(
        tags=TAGS,
        summary="Download an attachment of my complaint",
        parameters=[REFERENCE, OpenApiParameter("attachment_id", int, OpenApiParameter.PATH)],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY} | ERRORS,
        examples=[OpenApiExample("File", response_only=True, value="(binary)")],
    )
    def get(self, request, reference: str, attachment_id: int):
        attachment = self._find(request, reference, attachment_id)
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment_download_name(
                name=attachment.original_name, content_type=attachment.content_type
            ),
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    @staticmethod
    def _find(request, reference: str, attachment_id: int) -> ComplaintAttachment:
        found = ComplaintAttachment.objects.select_related("message__complaint").filter(
            pk=attachment_id, message__complaint__reference=reference
        )
        customer = customer_of(request)
        if request.user.is_staff and request.user.has_perm("complaints.view_complaint"):
            attachment = found.first()
        elif customer is not None:
            attachment = found.filter(message__complaint__customer=customer).first()
        else:
            attachment = None
        if attachment is None:
            raise ComplaintNotFound()
        try:
            attachment.file.size  # noqa: B018  (the file must still exist)
        except (OSError, ObjectDoesNotExist):
            raise ComplaintNotFound() from None
        return attachment

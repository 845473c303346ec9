from django.urls import path

from . import apis

urlpatterns = [
    path("complaints/", apis.ComplaintListCreateApi.as_view(), name="complaint-list"),
    path("complaints/<str:reference>/", apis.ComplaintDetailApi.as_view(), name="complaint-detail"),
    path(
        "complaints/<str:reference>/messages/",
        apis.ComplaintMessageApi.as_view(),
        name="complaint-messages",
    ),
    path(
        "complaints/<str:reference>/accept/",
        apis.ComplaintAcceptApi.as_view(),
        name="complaint-accept",
    ),
    path(
        "complaints/<str:reference>/reject/",
        apis.ComplaintRejectApi.as_view(),
        name="complaint-reject",
    ),
    path(
        "complaints/<str:reference>/withdraw/",
        apis.ComplaintWithdrawApi.as_view(),
        name="complaint-withdraw",
    ),
    path(
        "complaints/<str:reference>/rating/",
        apis.ComplaintRatingApi.as_view(),
        name="complaint-rating",
    ),
    path(
        "complaints/<str:reference>/attachments/<int:attachment_id>/",
        apis.ComplaintAttachmentApi.as_view(),
        name="complaint-attachment",
    ),
]

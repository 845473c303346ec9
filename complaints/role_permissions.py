"""Model permissions of the complaints app per role (merged by roles_sync_permissions).

These open the admin pages; what a user may *do* with a complaint is decided by
complaints.permissions in the services, whichever door the request came through."""

_HANDLING_VIEW = [
    "complaints.view_complaint",
    "complaints.change_complaint",
    "complaints.add_complaint",
    "complaints.view_complaintevent",
    "complaints.view_complaintmessage",
    "complaints.view_complaintattachment",
    "complaints.view_complaintnote",
    "complaints.view_complaintfinding",
    "complaints.view_complaintslabreach",
    "complaints.view_cannedresponse",
    "complaints.view_regulatoryregime",
    "complaints.view_regimeholiday",
    "complaints.view_slapolicy",
    "complaints.view_agentprofile",
    "complaints.view_staffalert",
]
_CONFIGURATION = [
    "complaints.add_regulatoryregime",
    "complaints.change_regulatoryregime",
    "complaints.add_regimeholiday",
    "complaints.change_regimeholiday",
    "complaints.delete_regimeholiday",
    "complaints.add_slapolicy",
    "complaints.change_slapolicy",
    "complaints.delete_slapolicy",
    "complaints.add_cannedresponse",
    "complaints.change_cannedresponse",
]

ROLE_PERMISSIONS = {
    "agent": [*_HANDLING_VIEW],
    "supervisor": [
        *_HANDLING_VIEW,
        "complaints.add_agentprofile",
        "complaints.change_agentprofile",
    ],
    "manager": [
        *_HANDLING_VIEW,
        *_CONFIGURATION,
        "complaints.add_agentprofile",
        "complaints.change_agentprofile",
    ],
    "content_editor": [
        "complaints.view_cannedresponse",
        "complaints.add_cannedresponse",
        "complaints.change_cannedresponse",
    ],
}

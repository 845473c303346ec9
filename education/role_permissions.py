"""Education permissions per role (merged into the kernel's table after migrate).

Content editors write and approve tips, segments, campaigns, series and warning rules;
managers may approve too. Agents and supervisors may look at what a customer was sent or
shown, to answer questions about it. The auditor gets every view_ permission anyway."""

_CONTENT = [
    "securitytip",
    "tipversion",
    "tiptext",
    "quizquestion",
    "quizchoice",
    "segment",
    "frequencycap",
    "campaign",
    "tipseries",
    "seriesstep",
    "complaintenrolmentrule",
    "warningrule",
    "warningtext",
]
_RECORDS = [
    "delivery",
    "deliveryevent",
    "campaignrun",
    "seriesenrolment",
    "warningdecision",
    "warningshown",
    "warningoutcome",
    "quizattempt",
    "educationprofile",
    "educationoptout",
]


def _perms(actions: list[str], models: list[str]) -> list[str]:
    return [f"education.{action}_{model}" for model in models for action in actions]


_EDIT = _perms(["view", "add", "change"], _CONTENT) + _perms(["view"], _RECORDS)
_APPROVE = ["education.approve_securitytip", "education.approve_campaign"]

ROLE_PERMISSIONS = {
    "content_editor": [*_EDIT, *_APPROVE, "education.change_educationprofile"],
    "manager": [*_EDIT, *_APPROVE],
    "supervisor": _perms(["view"], ["securitytip", "campaign", *_RECORDS]),
    "agent": _perms(["view"], ["securitytip", "delivery", "seriesenrolment", "warningdecision"]),
}

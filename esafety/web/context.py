"""Template context shared by every page: the navigation a person's role allows."""

from django.urls import reverse

from esafety.directory import roles

# (label, url name, roles allowed or None for everyone signed in)
NAVIGATION = [
    ("Home", "home", None),
    ("Acceptable use", "policies:my_aup", None),
    ("Policies", "policies:list", roles.STAFF_ROLES | {roles.GOVERNOR}),
    ("Agreements", "policies:compliance", roles.CAN_VIEW_COMPLIANCE | roles.CAN_RECORD_PAPER_SIGNATURE),
    ("People", "directory:people", roles.CAN_MANAGE_PEOPLE | roles.SENIOR_ROLES),
    ("Check a message", "checks:check", roles.CAN_CHECK_MESSAGES),
    ("Filtering", "filtering:home", roles.STAFF_ROLES),
    ("Incidents", "incidents:home", None),
    ("Audit trail", "audit:trail", roles.CAN_VIEW_AUDIT),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    standing = getattr(request, "aup_standing", None)
    if standing is not None and not standing.may_use_systems:
        # Behind the gate: the AUP page, and their own reports (nobody is kept from telling us;
        # the report link itself is in every page's header).
        return {"nav_items": [
            {"label": "Acceptable use", "url": reverse("policies:my_aup"),
             "current": request.path == reverse("policies:my_aup")},
            {"label": "Your reports", "url": reverse("incidents:home"),
             "current": request.path.startswith(reverse("incidents:home"))},
        ]}
    items = []
    for label, url_name, allowed in NAVIGATION:
        if allowed is not None and user.role not in allowed:
            continue
        url = reverse(url_name)
        if url_name == "incidents:home" and (user.is_pupil or user.is_parent):
            label = "Your reports"  # what the page is to them: what they have told us
        items.append({"label": label, "url": url,
                      "current": request.path == url or (url != "/" and request.path.startswith(url))})
    # Only the closest match is current: /policies/agreements/ is Agreements, not Policies too.
    current = [item for item in items if item["current"]]
    for item in current:
        item["current"] = item is max(current, key=lambda found: len(found["url"]))
    return {"nav_items": items}

"""Template context shared by every page: the navigation a person's role allows."""

from typing import Any

from django.urls import reverse

from esafety.directory import permissions

# (label, url name, capability (permissions.TABLE) or None for everyone signed in).
# The links follow the role alone (a superuser sees only the open ones), as the pages do.
NAVIGATION = [
    ("Home", "home", None),
    ("Acceptable use", "policies:my_aup", None),
    ("Policies", "policies:list", "read_policies"),
    ("Agreements", "policies:compliance", "view_agreements"),
    ("People", "directory:people", "view_people"),
    ("Check a message", "checks:check", "check_messages"),
    ("Filtering", "filtering:home", "use_filtering"),
    ("Sign-in", "identity:settings", "configure_sign_in"),
    ("Network sign-in", "network:status", "view_network_status"),
    ("Incidents", "incidents:home", None),
    ("Concerns", "concerns:inbox", "view_concerns"),
    ("Captured mail", "mailmonitor:captured", "review_captured_mail"),
    ("Check API", "api:tokens", "manage_api_tokens"),
    ("Held mail", "mailfilter:held", "review_held_mail"),
    ("Email problems", "notices:email_problems", "see_email_failures"),
    ("Notices", "notices:list", None),
    ("Access authorisations", "authorisations:register", "request_access"),
    ("DfE standards", "standards:status", "view_standards"),
    ("Photo consent", "consent:lookup", "view_consents"),
    ("Photos and your child", "consent:family", "give_own_child_consent"),
    ("Devices", "devices:home", "view_devices"),
    ("Training", "training:home", "take_training"),
    ("Audit trail", "audit:trail", "view_audit_trail"),
    ("Records kept", "retention:schedule", "manage_retention"),
    ("Governors' pack", "governance:pack", "view_governors_pack"),
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
    items: list[dict[str, Any]] = []
    for label, url_name, capability in NAVIGATION:
        if capability is not None and not permissions.role_may(user.role, capability):
            # The headteacher's nominee decides requests for access whatever their role, so
            # the register is theirs too: the page's own check says who it opens for.
            from esafety.authorisations.access import may_use_register

            if not (url_name == "authorisations:register" and may_use_register(user)):
                continue
        url = reverse(url_name)
        if url_name == "incidents:home" and (user.is_pupil or user.is_parent):
            label = "Your reports"  # what the page is to them: what they have told us
        if url_name == "notices:list":
            from esafety.notices.selectors import unread_count

            unread = unread_count(user)
            label = f"Notices ({unread} new)" if unread else label
        items.append({"label": label, "url": url,
                      "current": request.path == url or (url != "/" and request.path.startswith(url))})
    # Only the closest match is current: /policies/agreements/ is Agreements, not Policies too.
    current = [item for item in items if item["current"]]
    for item in current:
        item["current"] = item is max(current, key=lambda found: len(found["url"]))
    return {"nav_items": items}

"""Template helpers for the audit app.

{% history_warning %}: the warning the headteacher and DSL see on every page while the
latest history check of their school failed, or checks have stopped
(esafety/audit/integrity.py).
{{ name|words }}: a field or detail name as words ("is_active" -> "Is active").
"""

import logging

from django import template

from esafety.audit import integrity

log = logging.getLogger(__name__)
register = template.Library()


@register.inclusion_tag("audit/_history_warning.html", takes_context=True)
def history_warning(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not integrity.may_check(user):
        return {"warning": None}
    try:
        warning = integrity.warning_for(user)
    except Exception:
        # The warning must never take a page down with it (e.g. the error page itself).
        log.exception("the history check could not run")
        warning = None
    return {"warning": warning, "request": request}


@register.filter
def words(name) -> str:
    text = str(name).replace("_", " ").strip()
    if text.endswith(" id"):
        text = text[:-3]
    return text[:1].upper() + text[1:]


@register.inclusion_tag("audit/_history_card.html", takes_context=True)
def history_card(context):
    """A home-page card for the headteacher and DSL: when history was last checked, and how."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not integrity.may_check(user):
        return {"check": None}
    check = integrity.current_for(user)
    return {"check": check, "shown": True,
            "genuine": check is not None and integrity.is_genuine(check)}

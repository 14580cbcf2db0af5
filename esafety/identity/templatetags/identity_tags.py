from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from esafety.identity import selectors

register = template.Library()


@register.inclusion_tag("identity/_provider_buttons.html", takes_context=True)
def school_sign_in_buttons(context, next_url: str = ""):
    """A link per school provider switched on (`?school=` narrows it to one), keeping next."""
    request = context.get("request")
    school = request.GET.get("school", "") if request is not None else ""
    buttons = []
    for sign_in in selectors.providers_to_offer(school or None):
        url = reverse("identity:start", kwargs={"slug": sign_in.school.slug})
        if next_url:
            url += "?" + urlencode({"next": next_url})
        buttons.append({"url": url, "label": sign_in.label, "school": sign_in.school.name})
    return {"buttons": buttons, "several": len({b["school"] for b in buttons}) > 1}

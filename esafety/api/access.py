"""Who may manage the check API's tokens: the same 404 for "missing" and "not yours"."""

from __future__ import annotations

from django.http import Http404

from esafety.api.models import ApiToken
from esafety.directory import permissions
from esafety.directory.models import Person, School


def require_manage(user: Person) -> School:
    permissions.require(user, "manage_api_tokens", hide=True)
    school = user.school
    if school is None:
        raise Http404
    return school


def get_token_for_user(user: Person, pk: int) -> ApiToken:
    school = require_manage(user)
    found = ApiToken.objects.filter(school=school, pk=pk).first()
    if found is None:
        raise Http404
    return found

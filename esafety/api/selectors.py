from __future__ import annotations

from django.db.models import QuerySet

from esafety.api.models import ApiToken
from esafety.directory.models import School


def tokens_for(school: School) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(school=school).select_related("created_by", "revoked_by")

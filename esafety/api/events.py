"""What happened to the check API's tokens: one function per audit event. The token itself
never goes into the trail (only its name and first characters); each check is counted on
the token, not audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from esafety.audit import events
from esafety.audit.models import AuditEvent

if TYPE_CHECKING:
    from esafety.api.models import ApiToken
    from esafety.directory.models import Person


def api_token_created(*, actor: Person, token: ApiToken) -> AuditEvent:
    return events.record(event_type="api_token_created", actor=actor, obj=token,
                         school=token.school,
                         after={"name": token.name, "prefix": token.prefix,
                                "checks_per_minute": token.checks_per_minute})


def api_token_revoked(*, actor: Person, token: ApiToken) -> AuditEvent:
    return events.record(event_type="api_token_revoked", actor=actor, obj=token,
                         school=token.school,
                         details={"name": token.name, "prefix": token.prefix, "uses": token.uses})

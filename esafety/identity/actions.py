"""The only code that changes sign-in state: named actions, each in one transaction with
its audit row (events.py)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from esafety.audit.events import snapshot
from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.errors import InvalidInput, NotAllowed
from esafety.identity import events
from esafety.identity.models import (
    DISMISSED,
    ENTRA,
    GOOGLE,
    LINKED,
    OPEN,
    ExternalIdentity,
    SchoolSignIn,
    UnmatchedSignIn,
)

# What the audit row shows of a change (never the client secret).
AUDITED_FIELDS = ["kind", "tenant_id", "hosted_domain", "issuer_url", "client_id", "enabled",
                  "match_rule", "match_claim", "two_factor_for_leaders", "two_factor_note"]


def sign_in_configure(*, actor: Person | None, school: School, changes: dict) -> SchoolSignIn:
    """Set the school's identity provider and two-factor rule; keep allauth's app in step.

    `changes` holds SchoolSignIn fields; an empty client_secret keeps the one stored.
    """
    permissions.require(actor, "configure_sign_in", school, what="change how the school signs in")
    with transaction.atomic():
        sign_in, _ = SchoolSignIn.objects.select_for_update().get_or_create(school=school)
        before = snapshot(sign_in, AUDITED_FIELDS)
        secret_changed = bool(changes.get("client_secret"))
        for name, value in changes.items():
            if name == "client_secret" and not value:
                continue
            setattr(sign_in, name, value)
        if sign_in.enabled:
            _require_complete(sign_in)
        sign_in.save()
        _sync_app(sign_in)
        after = snapshot(sign_in, AUDITED_FIELDS)
        if secret_changed:
            after["client_secret"] = "changed"
        events.sign_in_configured(actor=actor, sign_in=sign_in, before=before, after=after)
    return sign_in


def _require_complete(sign_in: SchoolSignIn) -> None:
    if not sign_in.client_id or not sign_in.client_secret:
        raise InvalidInput("give the client id and client secret from the provider")
    if sign_in.kind == ENTRA and not sign_in.tenant_id and not sign_in.issuer_url:
        raise InvalidInput("give the Entra tenant id (Directory (tenant) ID in the Azure portal)")
    if sign_in.kind == GOOGLE and not sign_in.hosted_domain:
        raise InvalidInput("give the Google Workspace domain, e.g. hollinspark.sch.uk")
    if not sign_in.expected_issuer:
        raise InvalidInput("give the provider's issuer URL")
    if sign_in.match_rule == "mis_id" and not sign_in.match_claim:
        raise InvalidInput("give the name of the claim that holds the MIS id, e.g. employeeId")


def _sync_app(sign_in: SchoolSignIn) -> None:
    """allauth's SocialApp for this school: present while the provider is switched on."""
    from allauth.socialaccount.models import SocialApp

    apps = SocialApp.objects.filter(provider="openid_connect", provider_id=sign_in.provider_id)
    if not sign_in.ready:
        apps.delete()
        return
    auth_params = {"prompt": "select_account"}
    if sign_in.kind == GOOGLE and sign_in.hosted_domain:
        auth_params["hd"] = sign_in.hosted_domain
    app_settings = {
        "server_url": sign_in.expected_issuer,
        "expected_issuer": sign_in.expected_issuer,
        "fetch_userinfo": False,
        "auth_params": auth_params,
    }
    app = apps.first() or SocialApp(provider="openid_connect", provider_id=sign_in.provider_id)
    app.name = sign_in.label
    app.client_id = sign_in.client_id
    app.secret = sign_in.client_secret
    app.settings = app_settings
    app.save()


def identity_link(*, actor: Person | None, school: School, issuer: str, subject: str,
                  person: Person, how: str, claims: dict | None = None) -> ExternalIdentity:
    """Link the outside account (issuer, subject) to `person`: one person per account.

    `actor` None is the sign-in itself (a rule matched); otherwise the IT manager.
    """
    if actor is not None:
        permissions.require(actor, "resolve_sign_ins", school, what="link sign-ins to people")
    if person.school_id != school.pk:
        raise NotAllowed("that person belongs to another school")
    with transaction.atomic():
        identity, created = ExternalIdentity.objects.get_or_create(
            issuer=issuer, subject=subject,
            defaults={"school": school, "person": person, "how": how,
                      "last_signed_in_at": timezone.now() if actor is None else None})
        if not created:
            if identity.person_id == person.pk:
                return identity
            raise InvalidInput(f"that account is already linked to {identity.person}")
        events.sign_in_linked(actor=actor, identity=identity, details={
            "how": how, "issuer": issuer, "subject": subject,
            "name": (claims or {}).get("name", "")})
        UnmatchedSignIn.objects.filter(issuer=issuer, subject=subject, status=OPEN).update(
            status=LINKED, person=person, resolved_by=actor, resolved_at=timezone.now())
    return identity


def identity_signed_in(*, identity: ExternalIdentity) -> None:
    ExternalIdentity.objects.filter(pk=identity.pk).update(last_signed_in_at=timezone.now())


def unmatched_record(*, school: School, issuer: str, subject: str, claims: dict,
                     reason: str) -> UnmatchedSignIn:
    """Put a sign-in nobody could match on the IT manager's list (again: count it)."""
    now = timezone.now()
    fields = {
        "name": str(claims.get("name") or "")[:200],
        "email": str(claims.get("email") or "")[:254],
        "username": str(claims.get("preferred_username") or claims.get("upn") or "")[:254],
        "mis_id": str(claims.get("_mis_id") or "")[:64],
        "reason": reason[:300],
    }
    with transaction.atomic():
        # get_or_create: two first tries at once (two tabs) make one row, not an error.
        row, created = UnmatchedSignIn.objects.get_or_create(
            issuer=issuer, subject=subject,
            defaults={"school": school, "last_seen_at": now, **fields})
        if not created:
            row = UnmatchedSignIn.objects.select_for_update().get(pk=row.pk)
            for name, value in fields.items():
                setattr(row, name, value)
            row.school = school
            row.attempts += 1
            row.last_seen_at = now
            if row.status == DISMISSED:
                # Dismissed, then tried again: the IT manager sees it once more.
                row.status = OPEN
            row.save()
        events.sign_in_unmatched(school=school, unmatched=row, details={
            "reason": reason, "attempts": row.attempts, **fields})
    return row


def unmatched_link(*, actor: Person, unmatched: UnmatchedSignIn, person: Person) -> ExternalIdentity:
    permissions.require(actor, "resolve_sign_ins", unmatched.school,
                        what="link sign-ins to people")
    if unmatched.status != OPEN:
        raise InvalidInput("this sign-in has already been dealt with")
    with transaction.atomic():
        identity = identity_link(actor=actor, school=unmatched.school, issuer=unmatched.issuer,
                                 subject=unmatched.subject, person=person, how="it_manager",
                                 claims={"name": unmatched.name})
        unmatched.refresh_from_db()
        events.sign_in_unmatched_resolved(actor=actor, unmatched=unmatched, details={
            "outcome": "linked", "person": person.username})
    return identity


def unmatched_dismiss(*, actor: Person, unmatched: UnmatchedSignIn) -> UnmatchedSignIn:
    permissions.require(actor, "resolve_sign_ins", unmatched.school,
                        what="deal with sign-ins nobody could match")
    if unmatched.status != OPEN:
        raise InvalidInput("this sign-in has already been dealt with")
    with transaction.atomic():
        unmatched.status = DISMISSED
        unmatched.resolved_by = actor
        unmatched.resolved_at = timezone.now()
        unmatched.save(update_fields=["status", "resolved_by", "resolved_at"])
        events.sign_in_unmatched_resolved(actor=actor, unmatched=unmatched,
                                          details={"outcome": "dismissed"})
    return unmatched


def sign_in_refused(*, school: School | None, person: Person | None, reason: str,
                    issuer: str, subject: str) -> None:
    with transaction.atomic():
        events.sign_in_refused(school=school, person=person, details={
            "reason": reason, "issuer": issuer, "subject": subject})


def two_factor_enrol(*, person: Person, secret: str, code: str = "") -> None:
    """Keep the person's authenticator app secret (allauth.mfa's TOTP), once. `code`, the
    one that proved the app works, is spent: it cannot be given again at the next sign-in."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    with transaction.atomic():
        if Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists():
            raise InvalidInput("an authenticator app is already set up for this account")
        totp = TOTP.activate(person, secret)
        if code:
            totp.validate_code(code)  # marks it used
        events.two_factor_enrolled(person=person)


def two_factor_reset(*, actor: Person, person: Person) -> None:
    """Forget someone's authenticator app (lost phone): they set up a new one next sign-in."""
    from allauth.mfa.models import Authenticator

    permissions.require(actor, "configure_sign_in", person.school_id,
                        what="reset someone's two-factor sign-in")
    permissions.require_manage(actor, person, what="reset their two-factor sign-in")
    with transaction.atomic():
        deleted, _ = Authenticator.objects.filter(user=person).delete()
        if not deleted:
            raise InvalidInput(f"{person.display_name} has no authenticator app set up")
        events.two_factor_reset(actor=actor, person=person)

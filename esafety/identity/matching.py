"""Who an outside account is: its key (issuer + subject) and the school's first-sign-in rule.

Pure reads: which person a set of verified id_token claims points to, never a write.
"""

from __future__ import annotations

from dataclasses import dataclass

from esafety.directory.models import Person
from esafety.identity.models import (
    ENTRA,
    GOOGLE,
    MATCH_EMAIL,
    MATCH_MIS_ID,
    MATCH_USERNAME,
    SchoolSignIn,
)


class ClaimsRefused(Exception):
    """The claims are not from the school's organisation (Entra tenant, Google domain)."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason


def subject_of(sign_in: SchoolSignIn, claims: dict) -> str:
    """The account's stable key at its issuer: Entra's tenant id and object id (`sub` is
    different for every application there), everyone else's `sub`."""
    if sign_in.kind == ENTRA:
        tid, oid = claims.get("tid"), claims.get("oid")
        if not isinstance(tid, str) or not isinstance(oid, str) or not tid or not oid:
            raise ClaimsRefused("bad_token", "an Entra token without tid and oid")
        if sign_in.tenant_id and tid.lower() != sign_in.tenant_id.lower():
            raise ClaimsRefused("wrong_organisation", f"tenant {tid}, not {sign_in.tenant_id}")
        return f"{tid.lower()}:{oid.lower()}"
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise ClaimsRefused("bad_token", "a token without sub")
    if sign_in.kind == GOOGLE and sign_in.hosted_domain:
        if str(claims.get("hd") or "").lower() != sign_in.hosted_domain.lower():
            raise ClaimsRefused("wrong_organisation",
                                f"hosted domain {claims.get('hd')!r}, not {sign_in.hosted_domain}")
    return sub


@dataclass
class Match:
    person: Person | None
    how: str
    why_not: str = ""


def _claim(claims: dict, name: str) -> str:
    value = claims.get(name)
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return str(value).strip()
    return ""


def sign_in_name(sign_in: SchoolSignIn, claims: dict) -> str:
    """UPN / preferred_username (Entra, most providers); Google's account name is its email."""
    name = _claim(claims, "preferred_username") or _claim(claims, "upn")
    if not name and sign_in.kind == GOOGLE:
        name = _claim(claims, "email")
    return name


def find_person(sign_in: SchoolSignIn, claims: dict) -> Match:
    """The one person of the school the school's rule points to, or why there is none."""
    people = Person.objects.filter(school=sign_in.school)
    rule = sign_in.match_rule
    if rule == MATCH_MIS_ID:
        value = _claim(claims, sign_in.match_claim)
        if not value:
            return Match(None, rule, f"no {sign_in.match_claim} in the sign-in")
        return _one(people.filter(external_id=value), rule, f"MIS id {value}")
    if rule == MATCH_USERNAME:
        name = sign_in_name(sign_in, claims)
        if not name:
            return Match(None, rule, "no username in the sign-in")
        candidates = people.filter(username__iexact=name)
        local, at, domain = name.partition("@")
        if not candidates.exists() and at and domain.lower() in _domains(sign_in):
            candidates = people.filter(username__iexact=local)
        return _one(candidates, rule, f"username {name}")
    if rule == MATCH_EMAIL:
        email = _claim(claims, "email")
        if not email:
            return Match(None, rule, "no email address in the sign-in")
        if claims.get("email_verified") is False:
            return Match(None, rule, f"the provider has not verified {email}")
        return _one(people.filter(email__iexact=email), rule, f"email {email}")
    return Match(None, rule, "the school has not chosen how to match sign-ins")


def _domains(sign_in: SchoolSignIn) -> set[str]:
    domains = set(sign_in.school.domains)
    if sign_in.hosted_domain:
        domains.add(sign_in.hosted_domain.lower())
    return domains


def _one(candidates, how: str, what: str) -> Match:
    found = list(candidates[:2])
    if len(found) == 1:
        return Match(found[0], how)
    if not found:
        return Match(None, how, f"nobody in the school has {what}")
    return Match(None, how, f"more than one person has {what}")


def mis_id_of(sign_in: SchoolSignIn, claims: dict) -> str:
    return _claim(claims, sign_in.match_claim) if sign_in.match_claim else ""

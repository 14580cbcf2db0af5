"""How a school signs in, and who each outside account is.

- `SchoolSignIn`: the school's identity provider (Microsoft Entra ID, Google Workspace or any
  OpenID Connect issuer), how a first sign-in finds the person, and the two-factor rule.
  Its provider settings are copied to an allauth `SocialApp` (provider "openid_connect",
  provider_id "school-<slug>"), which runs the protocol.
- `ExternalIdentity`: one account at one issuer (issuer + subject; Entra: tenant id and
  object id), linked to one person. Never an email address.
- `UnmatchedSignIn`: someone the provider vouched for whom no rule could match; the IT
  manager links them to a person or dismisses them. Never an automatic new account.
"""

from __future__ import annotations

from django.db import models

from esafety.directory.models import Person, School

ENTRA = "entra"
GOOGLE = "google"
GENERIC = "oidc"
KIND_CHOICES = [
    (ENTRA, "Microsoft Entra ID (Microsoft 365)"),
    (GOOGLE, "Google Workspace"),
    (GENERIC, "Another OpenID Connect provider"),
]
KIND_LABELS = {ENTRA: "Microsoft", GOOGLE: "Google", GENERIC: "your school account"}

MATCH_MIS_ID = "mis_id"
MATCH_USERNAME = "username"
MATCH_EMAIL = "email"
MATCH_CHOICES = [
    (MATCH_MIS_ID, "The MIS id in a claim (e.g. employeeId) matches the person's MIS id"),
    (MATCH_USERNAME, "The sign-in name (UPN / preferred_username) matches the person's username"),
    (MATCH_EMAIL, "The email address matches, and the person confirms with a code sent to it "
                  "(last resort)"),
]


class SchoolSignIn(models.Model):
    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="sign_in")
    kind = models.CharField(max_length=16, choices=KIND_CHOICES, default=ENTRA)
    tenant_id = models.CharField(max_length=64, blank=True,
                                 help_text="Entra: the directory (tenant) id, a GUID")
    hosted_domain = models.CharField(max_length=253, blank=True,
                                     help_text="Google: the Workspace domain, e.g. school.sch.uk")
    issuer_url = models.URLField(
        max_length=500, blank=True,
        help_text="Another provider: its issuer URL. Entra and Google: leave empty to use the "
                  "standard one.")
    client_id = models.CharField(max_length=255, blank=True)
    client_secret = models.CharField(max_length=500, blank=True)
    enabled = models.BooleanField(default=False)
    match_rule = models.CharField(max_length=16, choices=MATCH_CHOICES, default=MATCH_USERNAME)
    match_claim = models.CharField(
        max_length=64, blank=True,
        help_text="The claim holding the MIS id (MIS id rule), e.g. employeeId")
    # Two-factor codes for the headteacher, DSL, online safety lead and IT manager
    # (directory/permissions.py: "sign_in_with_two_factor"). On unless the school says no.
    two_factor_for_leaders = models.BooleanField(default=True)
    two_factor_note = models.CharField(max_length=300, blank=True)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Sign-in for {self.school}"

    @property
    def provider_id(self) -> str:
        return f"school-{self.school.slug}"

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, "your school account")

    @property
    def expected_issuer(self) -> str:
        """The issuer every id_token must carry: Entra's per tenant, Google's, or the one
        given. An issuer URL given for Entra or Google overrides the standard one (a local
        test provider)."""
        if self.issuer_url:
            return self.issuer_url.rstrip("/")
        if self.kind == ENTRA:
            return f"https://login.microsoftonline.com/{self.tenant_id}/v2.0"
        if self.kind == GOOGLE:
            return "https://accounts.google.com"
        return ""

    @property
    def ready(self) -> bool:
        return bool(self.enabled and self.client_id and self.expected_issuer)


class ExternalIdentity(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255,
                               help_text="Entra: tenant id:object id; others: sub")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="identities")
    how = models.CharField(max_length=32)
    linked_at = models.DateTimeField(auto_now_add=True)
    last_signed_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"],
                                               name="one_person_per_outside_account")]

    def __str__(self):
        return f"{self.person} at {self.issuer}"


OPEN = "open"
LINKED = "linked"
DISMISSED = "dismissed"


class UnmatchedSignIn(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    username = models.CharField(max_length=254, blank=True)
    mis_id = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=300)
    attempts = models.PositiveIntegerField(default=1)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()
    status = models.CharField(max_length=16, default=OPEN,
                              choices=[(OPEN, "Waiting"), (LINKED, "Linked"),
                                       (DISMISSED, "Dismissed")])
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    resolved_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"],
                                               name="one_unmatched_row_per_outside_account")]

    def __str__(self):
        return self.name or self.username or self.email or self.subject

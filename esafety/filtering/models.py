"""Web filtering: categories and their lists, group policy, schedules, exceptions, logs.

The database is the truth; the Squid helper never reads it. Every change goes through an
action in ``actions.py`` which publishes a new compiled snapshot after commit.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from esafety.directory import roles
from esafety.directory.models import School

# Filtering groups follow from the directory (roles.filtering_group), defined there.
GROUPS = list(roles.FILTERING_GROUP_LABELS.items())
GROUP_LABELS = dict(GROUPS)
PUPIL_GROUPS = roles.PUPIL_GROUPS

# The UK Safer Internet Centre's "appropriate filtering" headings, plus circumvention.
UK_SIC = [
    ("discrimination", "Discrimination"),
    ("drugs", "Drugs / substance abuse"),
    ("extremism", "Extremism"),
    ("gambling", "Gambling"),
    ("malware", "Malware / hacking"),
    ("pornography", "Pornography"),
    ("piracy", "Piracy and copyright theft"),
    ("self_harm", "Self harm"),
    ("violence", "Violence"),
    ("circumvention", "Circumvention (proxies, VPNs, DNS over HTTPS)"),
]
UK_SIC_LABELS = dict(UK_SIC)


class FilteringSettings(models.Model):
    """Per-school choices that are not per group."""

    school = models.OneToOneField(School, on_delete=models.CASCADE,
                                  related_name="filtering_settings")
    # Who approves unblock requests (002: "the IT manager"); the school may name others.
    approver_roles = models.JSONField(default=list)
    # 003 §4.4: "prolonged or regular access ... is considered as intentional misuse".
    alert_threshold = models.PositiveIntegerField(default=5)
    alert_window_minutes = models.PositiveIntegerField(default=30)
    block_page_url = models.CharField(
        max_length=300, blank=True,
        help_text="Address of this site's block page as pupils' browsers reach it, e.g. "
                  "http://esafety.school.internal/filtering/blocked/")
    # Staff and personal social networks (000 §2 and 002 say never on school facilities;
    # 003 §6.12 allows breaks): "block" or "working_time", applied to the staff rule.
    staff_social_networks = models.CharField(
        max_length=16, default="block",
        choices=[("block", "Never on school systems"),
                 ("working_time", "Outside working time only")])
    # The longest internet suspension anyone may set (002 "In the Event of Inappropriate Use":
    # "for a particular lesson or activity"; "for a period of time").
    max_suspension_days = models.PositiveSmallIntegerField(default=28)
    # How long the filter's logs are kept (days); older days are dropped whole.
    log_retention_days = models.PositiveIntegerField(default=365)
    policy_version = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    lists_published_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Filtering settings for {self.school}"


class Category(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="url_categories")
    name = models.SlugField(max_length=64, help_text="List folder name, e.g. social_networks")
    label = models.CharField(max_length=120)
    uk_sic = models.CharField(max_length=32, blank=True, choices=UK_SIC,
                              help_text="UK Safer Internet Centre heading, if any")
    statutory = models.BooleanField(
        default=False, help_text="Always blocked for everyone; can never be unblocked")
    usage = models.CharField(max_length=8, default="black")
    aliases = models.JSONField(default=list, blank=True)
    domain_count = models.PositiveIntegerField(default=0)
    url_count = models.PositiveIntegerField(default=0)
    expression_count = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=300, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["label"]
        constraints = [models.UniqueConstraint(fields=["school", "name"],
                                               name="unique_category_per_school")]

    def __str__(self):
        return self.label


class CategoryEntries(models.Model):
    """The list text of one category, replaced in one row so re-import is atomic."""

    category = models.OneToOneField(Category, on_delete=models.CASCADE, related_name="entries")
    domains = models.TextField(blank=True)
    urls = models.TextField(blank=True)
    expressions = models.TextField(blank=True)

    def __str__(self):
        return f"Entries of {self.category}"


class ListImport(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="list_imports")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=500)
    at = models.DateTimeField(default=timezone.now)
    categories = models.PositiveIntegerField(default=0)
    domains = models.PositiveIntegerField(default=0)
    urls = models.PositiveIntegerField(default=0)
    lines_read = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"Lists imported from {self.source}"


class SchoolEntry(models.Model):
    """The school's own additions: always allow, always block, or approved (for KS1)."""

    ALLOW, BLOCK, APPROVED = "allow", "block", "approved"
    KINDS = [(ALLOW, "Always allow"), (BLOCK, "Always block"),
             (APPROVED, "Approved site (approved-sites-only groups)")]
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="url_entries")
    kind = models.CharField(max_length=12, choices=KINDS)
    host = models.CharField(max_length=253)
    note = models.CharField(max_length=300, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                 related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "host"]
        constraints = [models.UniqueConstraint(fields=["school", "kind", "host"],
                                               name="unique_school_entry")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.host}"


class GroupSetting(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="group_settings")
    group = models.CharField(max_length=16, choices=GROUPS)
    # 004 §3.2.2: "In KS1, pupils access only sites approved by an adult".
    approved_only = models.BooleanField(default=False)
    safe_search = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "group"],
                                               name="unique_group_setting")]

    def __str__(self):
        return f"{GROUP_LABELS.get(self.group, self.group)} settings"


class GroupRule(models.Model):
    BLOCK, WORKING_TIME, ALLOW = "block", "working_time", "allow"
    ACTIONS = [(ALLOW, "Allowed"), (WORKING_TIME, "Blocked in working time"),
               (BLOCK, "Blocked")]
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="group_rules")
    group = models.CharField(max_length=16, choices=GROUPS)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="rules")
    action = models.CharField(max_length=16, choices=ACTIONS)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "group", "category"],
                                               name="unique_group_rule")]

    def __str__(self):
        return f"{self.category} for {GROUP_LABELS.get(self.group, self.group)}: {self.action}"


class WorkingTime(models.Model):
    """A span of working time; everything outside is personal time (000, 001 §4, 004 §2.1.2)."""

    WEEKDAYS = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"),
                (4, "Friday"), (5, "Saturday"), (6, "Sunday")]
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="working_times")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        ordering = ["weekday", "starts"]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.starts:%H:%M}-{self.ends:%H:%M}"


class UnblockRequest(models.Model):
    PENDING, APPROVED, REFUSED, WITHDRAWN = "pending", "approved", "refused", "withdrawn"
    STATUSES = [(PENDING, "Waiting for a decision"), (APPROVED, "Approved"),
                (REFUSED, "Refused"), (WITHDRAWN, "Withdrawn")]
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="unblock_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="unblock_requests")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="unblock_requests")
    site = models.CharField(max_length=253, blank=True)
    # A page and the pages below it ("/bitesize"), when the request named one; blank for a
    # whole site. The approver may widen a page request to the whole site, knowingly.
    path = models.CharField(max_length=500, blank=True)
    whole_site = models.BooleanField(default=False)
    groups = models.JSONField(default=list, blank=True)
    form = models.CharField(max_length=32, blank=True, help_text="A class or form, e.g. 9C")
    reason = models.TextField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=STATUSES, default=PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Unblock {self.what_label} for {self.audience_label}"

    @property
    def asked_for(self) -> str:
        """The site or page as asked: ``bbc.co.uk/bitesize``."""
        return self.site + self.path

    @property
    def unblocks_page_only(self) -> bool:
        return bool(self.site and self.path and not self.whole_site)

    @property
    def what_label(self) -> str:
        if self.site:
            return self.asked_for if self.unblocks_page_only else self.site
        return self.category.label if self.category is not None else "?"

    @property
    def audience_label(self) -> str:
        parts = [GROUP_LABELS.get(g, g) for g in self.groups]
        if self.form:
            parts.append(f"form {self.form}")
        return ", ".join(parts) or "nobody"

    def state(self, now=None) -> str:
        """pending | refused | withdrawn | scheduled | active | expired."""
        now = now or timezone.now()
        if self.status != self.APPROVED:
            return self.status
        if now < self.starts_at:
            return "scheduled"
        return "active" if now < self.ends_at else "expired"


class InternetSuspension(models.Model):
    """002 "In the Event of Inappropriate Use": suspending use for a lesson or activity."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="internet_suspensions")
    pupil = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="internet_suspensions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Set when an incident's sanction made it: only the roles the policy names may lift it.
    incident_reference = models.CharField(max_length=20, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self):
        return f"Internet access of {self.pupil} suspended"


class BlockedAttempt(models.Model):
    """One line of the filter's decision log (DfE: who, device or address, time, what): a
    request the filter blocked (action "block"), flagged (safe search rewritten: "rewrite";
    let through under an unblock: "allow") or a search (action "search", with its words in
    `term`; a blocked or rewritten search has its words too). Allowed traffic is not here,
    only counted (DecisionCount).

    On PostgreSQL the table is partitioned by school (list) and then by day (range), a
    default partition at each level as the safety net (migration 0003, decision_logs.py);
    the school's retention drops whole days. On SQLite it is one table, and retention
    deletes rows.
    """

    BLOCK, REWRITE, ALLOW, SEARCH = "block", "rewrite", "allow", "search"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="blocked_attempts")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="blocked_attempts")
    username = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField()
    url = models.TextField()
    host = models.CharField(max_length=253, blank=True)
    category = models.CharField(max_length=64, blank=True)
    group = models.CharField(max_length=16, blank=True)
    rule = models.CharField(max_length=32)
    action = models.CharField(max_length=8, default="block")
    client = models.CharField(max_length=64, blank=True)
    policy_version = models.CharField(max_length=32, blank=True)
    term = models.CharField(max_length=200, blank=True, help_text="The words searched for")
    # The pupil's year when the request was made (for "Year 9 this week" without a join).
    year_group = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["school", "at"]),
                   models.Index(fields=["person", "category", "at"]),
                   # "this pupil's attempts this term", newest first
                   models.Index(fields=["school", "person", "at"],
                                name="filtering_log_person_at"),
                   # search terms per person
                   models.Index(fields=["school", "person", "at"],
                                condition=~models.Q(term=""), name="filtering_log_terms")]

    def __str__(self):
        from esafety.filtering.rules import default_label

        return f"{self.username or 'someone'} -> {self.host} ({default_label(self.category)})"


class DecisionCount(models.Model):
    """How many requests one person (or, when nobody is known, one device) made in a day in
    a category, by what the filter did: the allowed traffic the helper counted instead of
    logging it line by line, and the logged decisions, counted as they are loaded. The
    screens' totals ("top blocked categories this week for Year 9") read these."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="decision_counts")
    day = models.DateField()
    person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150, blank=True)
    client = models.CharField(max_length=64, blank=True)
    year_group = models.PositiveSmallIntegerField(null=True, blank=True)
    group = models.CharField(max_length=16, blank=True)
    category = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=8)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["school", "day", "username", "client", "group", "category", "action"],
            name="filtering_count_unique")]
        indexes = [models.Index(fields=["school", "action", "year_group", "day"],
                                name="filtering_count_year"),
                   models.Index(fields=["school", "person", "day"],
                                name="filtering_count_person"),
                   models.Index(fields=["school", "day"], name="filtering_count_day")]

    def __str__(self):
        return f"{self.username or self.client or 'someone'} {self.day} {self.category}: {self.count}"


class FilteringAlert(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="filtering_alerts")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="filtering_alerts")
    category = models.CharField(max_length=64)
    attempts = models.PositiveIntegerField()
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        from esafety.filtering.rules import default_label

        return f"Repeated attempts at {default_label(self.category)} by {self.person}"


class WrongBlockReport(models.Model):
    OPEN, UNBLOCKED, KEPT = "open", "unblocked", "kept"
    STATUSES = [(OPEN, "Open"), (UNBLOCKED, "Site allowed"), (KEPT, "Block kept")]
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="wrong_block_reports")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="wrong_block_reports")
    url = models.TextField()
    host = models.CharField(max_length=253, blank=True)
    category = models.CharField(max_length=64, blank=True)
    rule = models.CharField(max_length=32, blank=True)
    comment = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=STATUSES, default=OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Wrong block report: {self.host}"

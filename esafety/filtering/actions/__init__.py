"""Every change to web filtering is one of these named actions, one module per aggregate.

Each takes keyword-only arguments and an explicit `actor`, runs in one transaction, writes
its audit row inside it (through events.py), and publishes the new snapshot for the Squid
helper after commit. Callers may write `from esafety.filtering import actions` and
`actions.unblock_approve(...)`: the names below are the whole public list.
"""

from esafety.filtering.actions.alerts import alert_acknowledge
from esafety.filtering.actions.attempts import (
    attempts_load,
    decisions_ingest,
    decisions_load,
    ingest_spool,
    log_retention_enforce,
    logs_load,
    person_logs_viewed,
    spool_load,
)
from esafety.filtering.actions.entries import school_entry_add, school_entry_remove
from esafety.filtering.actions.lists import ensure_group_defaults, lists_import
from esafety.filtering.actions.policy import (
    category_update,
    group_rule_set,
    group_setting_update,
    working_time_set,
)
from esafety.filtering.actions.settings import (
    filtering_settings_update,
    settings_for,
    staff_social_networks_set,
)
from esafety.filtering.actions.suspensions import internet_suspend, internet_suspension_lift
from esafety.filtering.actions.unblocks import (
    unblock_approve,
    unblock_end_early,
    unblock_refuse,
    unblock_request,
    unblock_withdraw,
)
from esafety.filtering.actions.wrong_blocks import wrong_block_report, wrong_block_resolve

__all__ = [
    "alert_acknowledge",
    "attempts_load",
    "category_update",
    "decisions_ingest",
    "decisions_load",
    "ensure_group_defaults",
    "filtering_settings_update",
    "group_rule_set",
    "group_setting_update",
    "ingest_spool",
    "log_retention_enforce",
    "logs_load",
    "person_logs_viewed",
    "spool_load",
    "internet_suspend",
    "internet_suspension_lift",
    "lists_import",
    "school_entry_add",
    "school_entry_remove",
    "settings_for",
    "staff_social_networks_set",
    "unblock_approve",
    "unblock_end_early",
    "unblock_refuse",
    "unblock_request",
    "unblock_withdraw",
    "working_time_set",
    "wrong_block_report",
    "wrong_block_resolve",
]

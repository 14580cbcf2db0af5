"""The only code that changes the mail filter's records: loading the filter's events in
batches (ingest), reviewing held mail (review), authorising reading private held mail
(private_mail) and the school's settings (settings)."""

from esafety.mailfilter.actions.approvals import group_approval_add, group_approval_remove
from esafety.mailfilter.actions.ingest import ingest_events
from esafety.mailfilter.actions.private_mail import (
    held_message_authorise,
    held_message_authorise_page_view,
)
from esafety.mailfilter.actions.review import (
    held_mail_expire,
    held_mail_list_view,
    held_message_delete,
    held_message_release,
    held_message_return,
    held_message_view,
)
from esafety.mailfilter.actions.settings import mail_filter_settings_change

__all__ = ["group_approval_add", "group_approval_remove", "held_mail_expire", "held_mail_list_view", "held_message_authorise",
           "held_message_authorise_page_view", "held_message_delete", "held_message_release", "held_message_return",
           "held_message_view", "ingest_events", "mail_filter_settings_change"]

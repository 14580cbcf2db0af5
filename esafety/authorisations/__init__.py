"""Proxy access to mailboxes and investigations beyond day-to-day monitoring, authorised by the headteacher."""

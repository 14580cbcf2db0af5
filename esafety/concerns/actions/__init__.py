"""Every change to a concern is one of these named actions.

Keyword-only arguments, an explicit `actor` (None when the system raises a concern), one
transaction with its audit row (events.py), and email only after commit (notifications.py).
"""

from esafety.concerns.actions.raising import concern_raise
from esafety.concerns.actions.reading import concern_list_viewed, concern_viewed
from esafety.concerns.actions.states import (
    concern_close,
    concern_escalate,
    concern_mark_seen,
)

__all__ = [
    "concern_close",
    "concern_escalate",
    "concern_list_viewed",
    "concern_mark_seen",
    "concern_raise",
    "concern_viewed",
]

"""The network's named actions: every change to who is at which computer."""

from esafety.network.actions.bindings import (
    access_ended,
    binding_end,
    binding_start,
    seen,
    timed_out,
)
from esafety.network.actions.monitoring import check_snapshot_age, ingest_network
from esafety.network.actions.people import aup_answers_changed, people_changed
from esafety.network.actions.settings import settings_change

__all__ = ["access_ended", "aup_answers_changed", "binding_end", "binding_start",
           "check_snapshot_age", "ingest_network", "people_changed", "seen",
           "settings_change", "timed_out"]

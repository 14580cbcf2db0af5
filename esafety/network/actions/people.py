"""What the network does when people or their AUP answers change.

Called by the directory's and the policies' actions inside their transaction: a leaver's
(expired guest's, switched-off account's) sign-ins at computers end at once, and the filter's
snapshot is republished once after commit (esafety/network/publishing.py).
"""

from __future__ import annotations

from esafety.directory.models import School
from esafety.network import publishing
from esafety.network.actions.bindings import access_ended


def people_changed(*, school: School | None) -> None:
    """Someone joined, left, came back, changed role or group, or a guest's access changed."""
    if school is None:
        return
    access_ended(school=school)
    publishing.policy_after_commit(school)


def aup_answers_changed(*, school: School | None) -> None:
    """An AUP answer was recorded or a new AUP version published: who must accept first
    changes."""
    if school is None:
        return
    publishing.policy_after_commit(school)

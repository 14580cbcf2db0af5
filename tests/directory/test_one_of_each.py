"""Things written once: the pupil groups, the reader of the data
folder setting, and the query for the people who can use the systems now."""

import re
from pathlib import Path

from esafety.directory import roles
from esafety.filtering import models as filtering_models

SOURCE = Path(__file__).resolve().parents[2] / "esafety"


def _sources_matching(pattern: str) -> list[str]:
    found = re.compile(pattern)
    return sorted(path.relative_to(SOURCE).as_posix() for path in SOURCE.rglob("*.py")
                  if "migrations" not in path.parts and found.search(path.read_text()))


def test_every_pupil_is_in_one_of_the_pupil_groups():
    groups = {roles.filtering_group(roles.PUPIL, year) for year in roles.YEAR_GROUPS}
    assert groups == set(roles.PUPIL_GROUPS)
    assert list(roles.FILTERING_GROUP_LABELS) == [*roles.PUPIL_GROUPS, "staff", "guests"]
    assert filtering_models.PUPIL_GROUPS == roles.PUPIL_GROUPS
    assert filtering_models.GROUP_LABELS == roles.FILTERING_GROUP_LABELS


# The engine keeps its own copies on purpose: the Squid helper runs from a copy of
# esafety/engine alone, on the system Python, as Squid's unprivileged user
# (tests/filtering/test_squid.py), so it may import nothing outside esafety.engine.
ENGINE_COPIES = {"engine/urls/policy.py", "engine/messages/rulebook.py", "engine/urls/helper.py"}


def test_the_pupil_groups_are_written_down_once():
    found = _sources_matching(r'"ks1",\s*"ks2"')
    assert [name for name in found if name not in ENGINE_COPIES] == ["directory/roles.py"]


def test_one_reader_of_the_data_folder_setting():
    found = _sources_matching(r'environ\.get\("ESAFETY_DATA_DIR"')
    assert [name for name in found if name not in ENGINE_COPIES] == ["datadir.py"]


def test_the_current_people_query_is_written_once():
    # web/dashboard.py asks another question: guests whose access ends soon.
    assert _sources_matching(r"access_expires_at__gt=") == ["directory/models.py",
                                                             "web/dashboard.py"]
    assert _sources_matching(r"left_on__gt=") == ["directory/models.py"]

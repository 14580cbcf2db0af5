"""Who may do what: the permission table, shown whole so every change shows in review."""

import re
from pathlib import Path

import pytest

from esafety.directory import permissions, roles

HERE = Path(__file__).parent
REVIEWED = HERE / "permission_table.txt"
ESAFETY = HERE.parent.parent / "esafety"


def table_text() -> str:
    lines = ["# capability: roles (from esafety/directory/permissions.py TABLE)"]
    for capability in sorted(permissions.TABLE):
        lines.append(f"{capability}: {', '.join(sorted(permissions.TABLE[capability]))}")
    lines.append("")
    lines.append("# grant table: role -> roles they may give and take away")
    for role in sorted(permissions.GRANTS):
        lines.append(f"{role} gives: {', '.join(sorted(permissions.GRANTS[role]))}")
    return "\n".join(lines) + "\n"


def test_the_table_is_the_reviewed_copy():
    printed = table_text()
    print(printed)
    assert printed == REVIEWED.read_text(), (
        "who may do what changed: review and update permission_table.txt "
        "(print it with: pytest tests/directory/test_permission_table.py -s)")


def test_every_role_in_the_table_is_a_role():
    for capability, allowed in permissions.TABLE.items():
        assert allowed <= permissions.ALL_ROLES, capability
        assert allowed, f"{capability} names no role"


def test_capability_names_are_plain_words():
    for capability in permissions.TABLE:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", capability), capability


class _Someone:
    is_authenticated = True
    is_superuser = False

    def __init__(self, role, school_id=1):
        self.role, self.school_id, self.pk = role, school_id, 99


def test_allowed_and_require():
    from django.http import Http404

    from esafety.errors import NotAllowed

    head, teacher = _Someone(roles.HEADTEACHER), _Someone(roles.TEACHER)
    assert permissions.allowed(head, "view_audit_trail")
    assert permissions.allowed(head, "view_audit_trail", school=1)
    assert not permissions.allowed(head, "view_audit_trail", school=2)
    assert not permissions.allowed(teacher, "view_audit_trail")
    assert permissions.allowed(None, "view_audit_trail", school=2)  # the system itself
    operator = _Someone("")
    operator.is_superuser = True
    assert permissions.allowed(operator, "manage_filtering", school=5)
    assert not permissions.role_may(operator.role, "manage_filtering")
    with pytest.raises(NotAllowed, match="your role cannot see the trail"):
        permissions.require(teacher, "view_audit_trail", what="see the trail")
    with pytest.raises(NotAllowed, match="another school"):
        permissions.require(head, "view_audit_trail", school=2)
    with pytest.raises(Http404):
        permissions.require(teacher, "view_audit_trail", hide=True)
    with pytest.raises(KeyError):
        permissions.allowed(head, "no_such_thing")


# Role sets (who may do what) belong in permissions.py; roles.py keeps the vocabulary of
# who someone is (STAFF_ROLES, GUEST_ROLES, SENIOR_ROLES, ADULT_ROLES, PROTECTED_ROLES,
# STAFF_FILE_ROLES, INVOLVED_ROLES), which the table builds on.
_ROLE_NAMES = "|".join(sorted(roles.ROLE_LABELS))
_ROLE_SET = re.compile(
    r"\{\s*roles\.[A-Z_]+\s*[,}]"                                   # {roles.DSL, ...}
    r"|frozenset\(\s*\{\s*roles\."                                   # frozenset({roles.X...
    rf"|frozenset\(\s*[\[{{(]\s*[\"'](?:{_ROLE_NAMES})[\"']"          # frozenset({"headteacher"})
    r"|^(?:[A-Z_]*_ROLES|CAN_[A-Z_]+|[A-Z_]*CHECKERS)\s*(?::[^=]*)?=\s*(?:frozenset|roles\.|\{)",
    re.M)
_ALLOWED_FILES = {"directory/permissions.py", "directory/roles.py"}


def role_sets_outside_the_table() -> list[str]:
    found = []
    for path in sorted(ESAFETY.rglob("*.py")):
        relative = path.relative_to(ESAFETY).as_posix()
        if relative in _ALLOWED_FILES or "/migrations/" in relative:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if _ROLE_SET.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_the_finder_finds_role_sets():
    assert _ROLE_SET.search("LEADER_ROLES = frozenset({roles.DSL, roles.HEADTEACHER})")
    assert _ROLE_SET.search("    return user.role in {roles.HEADTEACHER, roles.DSL}")
    assert _ROLE_SET.search('SANCTION_OVERRIDE_ROLES = frozenset({"headteacher"})')
    assert _ROLE_SET.search("CAN_REQUEST_UNBLOCK = roles.STAFF_ROLES")
    assert not _ROLE_SET.search("if permissions.allowed(user, 'manage_filtering'):")


# Role lists kept in data files elsewhere must say what the table says until they go.
_DATA_ROLE_LISTS = {
    ("filtering/defaults.yaml", "suspension_roles"): "suspend_internet",
    ("filtering/defaults.yaml", "incident_suspension_lift_roles"): "lift_incident_suspension",
}


def _data_role_lists() -> dict:
    import yaml

    found = {}
    for (name, key), capability in _DATA_ROLE_LISTS.items():
        path = ESAFETY / name
        data = yaml.safe_load(path.read_text()) if path.exists() else {}
        if key in data:
            found[(name, key)] = (frozenset(data[key]), capability)
    return found


def test_role_lists_in_data_files_agree_with_the_table():
    for (name, key), (listed, capability) in _data_role_lists().items():
        assert listed == permissions.roles_with(capability), (
            f"{name} {key} disagrees with permissions.TABLE[{capability!r}]")


def test_no_role_sets_outside_the_table():
    found = role_sets_outside_the_table()
    found += [f"{name}: {key}" for name, key in _data_role_lists()]
    assert not found, "role sets outside esafety/directory/permissions.py:\n" + "\n".join(found)


# The navigation and the pages ask the same table: for every role, a link shows exactly when
# its page opens (a page it does not show is a 404, never a link to nowhere).
@pytest.mark.parametrize("role", sorted(roles.ROLE_LABELS))
def test_navigation_shows_exactly_the_pages_a_role_may_open(role, make_person, client_for):
    from django.urls import reverse

    from esafety.web.context import NAVIGATION

    person = make_person(role)
    client = client_for(person)
    home = client.get(reverse("home"))
    assert home.status_code == 200
    shown = {item["url"] for item in home.context["nav_items"]}
    for _label, url_name, capability in NAVIGATION:
        url = reverse(url_name)
        opens = client.get(url).status_code == 200
        assert opens == (url in shown), (role, url_name, capability)
        if capability is not None:
            assert opens == permissions.role_may(role, capability), (role, capability)

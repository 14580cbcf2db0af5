"""The README's "Importing people" section says what imports refuse and how a new install
gets its first headteacher; the command it gives works as written."""

import re
import shlex
from pathlib import Path

from django.core.management import call_command

from esafety.directory import roles

README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("### Importing people")
    return text[start:text.index("\n### ", start + 1)]


def test_the_import_section_names_every_protected_role_and_the_importers_own_row():
    section = " ".join(_section().split()).lower()
    for words in ("headteacher", "assistant head", "dsl", "online safety lead", "governor"):
        assert words in section
    assert "never change the row of the person importing" in section
    assert len(roles.PROTECTED_ROLES) == 5  # the list above is complete


def test_the_first_headteacher_command_in_the_readme_works(teacher):
    [line] = [m.group(1) for m in re.finditer(r"^(esafety people role .*?)(?:#.*)?$",
                                               _section(), re.M)]
    words = shlex.split(line.replace("USERNAME", teacher.username))
    assert words[:3] == ["esafety", "people", "role"]
    call_command(*words[1:])
    teacher.refresh_from_db()
    assert teacher.role == roles.HEADTEACHER

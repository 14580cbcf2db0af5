"""The small things a newcomer meets first: `esafety help` and the test markers."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from esafety import cli

ROOT = Path(__file__).resolve().parent.parent


def test_help_lists_the_engine_commands_with_a_line_each_beside_djangos(capsys):
    cli.main(["help"])
    out = capsys.readouterr().out
    for name in ("migrate", "import", "evidence", "serve"):  # Django's management commands
        assert f"    {name}\n" in out
    for name in ("classify", "rules", "check", "scan", "filter"):
        assert name in cli.ENGINE_COMMANDS
        assert any(line.split()[0] == name and line.endswith(cli.ENGINE_HELP[name])
                   for line in out.splitlines() if line.strip())
    assert set(cli.ENGINE_HELP) == set(cli.ENGINE_COMMANDS)


def test_help_commands_lists_every_command_name_once(capsys):
    cli.main(["help", "--commands"])
    names = capsys.readouterr().out.split()
    assert {"classify", "rules", "check", "scan", "filter", "migrate", "import"} <= set(names)
    assert names == sorted(set(names))


def test_help_on_an_engine_command_shows_its_own_options(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["help", "rules"])
    assert exit_.value.code == 0
    assert "usage: esafety rules" in capsys.readouterr().out


def collected(*args):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "tests/e2e", *args], cwd=ROOT, capture_output=True, text=True)
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_every_browser_test_is_marked_e2e():
    everything = collected()
    assert len(everything) > 5
    assert collected("-m", "e2e") == everything
    assert collected("-m", "not e2e and not squid") == []  # scripts/test's PostgreSQL run


def test_no_comment_in_the_code_names_an_issue_number():
    # A comment says why; "issue 10 §4" means nothing to someone without the tracker.
    pattern = re.compile(r"\bissues? #?\d|\(issue:", re.IGNORECASE)
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for folder in ("esafety", "scripts", "tests", "benchmarks", "devidp")
             for path in sorted((ROOT / folder).rglob("*"))
             if path.is_file() and path.suffix in {".py", ".sh", ".c", ".html", ".yaml", ".md", ""}
             and "migrations" not in path.parts and path != Path(__file__).resolve()
             for n, line in enumerate(path.read_text("utf-8", errors="replace").splitlines(), 1)
             if pattern.search(line)]
    assert found == []

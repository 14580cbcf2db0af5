"""Small list fixtures for the engine tests (no Django, no shared data)."""

from pathlib import Path

import pytest

from esafety.engine.urls.lists import read_lists
from esafety.engine.urls.snapshot import compile_lists

SAMPLE = Path(__file__).resolve().parents[2] / "esafety" / "filtering" / "sample_lists"


def write_category(root: Path, name: str, domains: str = "", urls: str = "",
                   expressions: str = "", newline: str = "\n") -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for kind, text in (("domains", domains), ("urls", urls), ("expressions", expressions)):
        if text:
            (folder / kind).write_bytes(text.replace("\n", newline).encode("utf-8"))
    return folder


@pytest.fixture
def list_dir(tmp_path):
    root = tmp_path / "lists"
    write_category(root, "adult", "porn.example\nnaughty.test\n", "images.example/adult\n")
    write_category(root, "social_networks", "social.example\nchat.social.example\n")
    write_category(root, "games", "games.example\n")
    write_category(root, "shopping", "shop.example\n")
    write_category(root, "redirector", "proxy.example\n")
    write_category(root, "gambling", "bet.example\n")
    write_category(root, "special", expressions="/ymsgr*\\.exe\n")
    return root


@pytest.fixture
def lists(list_dir):
    return compile_lists(read_lists(list_dir))

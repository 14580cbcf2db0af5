"""The example Outlook add-in is complete: every file its manifest and its page name is in the
folder (Microsoft 365 refuses a manifest whose icons it cannot fetch), each icon is a PNG of
the size its place in the manifest says, and every resource the manifest uses is defined."""

from __future__ import annotations

import re
import struct
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

ADDIN = Path(__file__).resolve().parents[2] / "contrib" / "mail" / "outlook-addin"
BASE = "https://addin.hollinspark.sch.uk/"
BT = "{http://schemas.microsoft.com/office/officeappbasictypes/1.0}"


def manifest() -> ElementTree.Element:
    return ElementTree.parse(ADDIN / "manifest.xml").getroot()


def addresses_in_manifest() -> list[str]:
    """Every address in the manifest (attribute values and text) on the add-in's own host."""
    found = []
    for element in manifest().iter():
        for value in [*element.attrib.values(), element.text or ""]:
            if value.strip().startswith(BASE) or value.strip() == BASE.rstrip("/"):
                found.append(value.strip())
    return found


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


class _Sources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.sources.append(value)


def test_every_file_the_manifest_names_is_in_the_folder():
    named = addresses_in_manifest()
    assert len(named) >= 8  # the icons, the pages, the script, the support page
    for address in named:
        relative = address.removeprefix(BASE)
        assert relative, f"{address} names the folder itself, not a file"
        path = ADDIN / relative
        assert path.is_file() and path.stat().st_size > 0, f"{address}: no {path.name} here"


def test_each_icon_is_a_png_of_the_size_its_place_says():
    root = manifest()
    ns = {"o": "http://schemas.microsoft.com/office/appforoffice/1.1"}
    expected = {
        root.find("o:IconUrl", ns).get("DefaultValue"): 64,
        root.find("o:HighResolutionIconUrl", ns).get("DefaultValue"): 128,
    }
    for image in root.iter(f"{BT}Image"):
        side = int(re.fullmatch(r"Icon\.(\d+)x\1", image.get("id")).group(1))
        expected[image.get("DefaultValue")] = side
    assert len(expected) == 5
    for address, side in expected.items():
        assert png_size(ADDIN / address.removeprefix(BASE)) == (side, side), address


def test_every_resource_the_manifest_uses_is_defined():
    root = manifest()
    defined = {e.get("id") for e in root.iter() if e.tag in (f"{BT}Image", f"{BT}Url")}
    used = {e.get("resid") for e in root.iter() if e.get("resid")}
    assert used and used <= defined, used - defined


def test_every_file_the_page_loads_is_in_the_folder_or_microsofts_office_js():
    parser = _Sources()
    parser.feed((ADDIN / "commands.html").read_text())
    local = [s for s in parser.sources if "://" not in s]
    remote = [s for s in parser.sources if "://" in s]
    assert local == ["commands.js"]
    # Microsoft's own library, which every Office add-in must load; nothing else from outside.
    assert remote == ["https://appsforoffice.microsoft.com/lib/1/hosted/office.js"]
    for name in local:
        assert (ADDIN / name).is_file()

import json
import marshal
import zlib

import pytest

from esafety.engine.urls.expressions import required_literals
from esafety.engine.urls.normalise import parse_target
from esafety.engine.urls.snapshot import (
    MAGIC,
    SnapshotError,
    compile_sources,
    load_snapshot,
    write_snapshot,
)


def categories(lists, url, method="GET"):
    return lists.categories_of(parse_target(url, method))


def test_a_domain_matches_itself_and_every_subdomain_but_not_lookalikes(lists):
    assert categories(lists, "http://social.example/") == ["social_networks"]
    assert categories(lists, "http://deep.chat.social.example/x") == ["social_networks"]
    assert categories(lists, "http://notsocial.example/") == []
    assert categories(lists, "http://social.example.evil.test/") == []


def test_a_url_entry_matches_its_path_and_below_only(lists):
    assert categories(lists, "http://www.images.example/adult/1.jpg") == ["adult"]
    assert categories(lists, "http://images.example/adult?page=2") == ["adult"]
    assert categories(lists, "http://images.example/adulthood") == []
    assert categories(lists, "http://images.example/") == []


def test_connect_requests_are_decided_on_the_host_alone(lists):
    assert categories(lists, "porn.example:443", "CONNECT") == ["adult"]
    assert categories(lists, "images.example:443", "CONNECT") == []


def test_expressions_match_and_are_prefiltered_by_their_literals(lists):
    assert categories(lists, "http://files.test/ymsgr.exe") == ["special"]
    assert categories(lists, "http://files.test/ymsg.exe") == ["special"]
    assert required_literals("(/banner/|/sponsor/)") == {"banner/", "sponsor/"}
    assert required_literals("^[0-9]+$") is None


def test_a_written_snapshot_loads_back_identically(lists, tmp_path):
    path = write_snapshot(lists, tmp_path / "lists.snap")
    loaded = load_snapshot(path)
    assert loaded.categories == lists.categories
    assert loaded.domains == lists.domains
    assert categories(loaded, "http://bet.example/") == ["gambling"]


def test_a_written_snapshot_keeps_its_large_tables_flat_until_python_needs_them(lists,
                                                                                tmp_path):
    path = write_snapshot(lists, tmp_path / "lists.snap")
    loaded = load_snapshot(path)
    assert json.loads(path.read_bytes().split(b"\n")[1])["format"] == 2
    assert loaded.flat is not None and not loaded.tables_read
    assert loaded.stats() == lists.stats() and not loaded.tables_read
    assert loaded.bare_labels == lists.bare_labels
    assert loaded.urls == lists.urls and loaded.tables_read
    assert loaded.url_hosts == lists.url_hosts
    assert loaded.domains == lists.domains


def test_a_format_1_snapshot_is_still_read(lists, tmp_path):
    body = marshal.dumps({
        "categories": lists.categories, "domains": lists.domains, "urls": lists.urls,
        "url_hosts": sorted(lists.url_hosts), "combos": lists.combos,
        "expressions": lists.expression_sources, "usage": lists.usage,
        "aliases": lists.aliases})
    header = {"format": 1, "version": "v1", "checksum": zlib.crc32(body),
              "length": len(body)}
    path = tmp_path / "lists.snap"
    path.write_bytes(MAGIC + json.dumps(header).encode() + b"\n" + body)
    loaded = load_snapshot(path)
    assert loaded.flat is None and loaded.version == "v1"
    assert loaded.domains == lists.domains and loaded.url_hosts == lists.url_hosts
    assert categories(loaded, "http://bet.example/") == ["gambling"]


def test_lists_whose_keys_cannot_be_flat_are_written_as_format_1(tmp_path):
    lists = compile_sources({"odd": {"domains": ["a.example", "new\nline.example"],
                                     "urls": ["b.example/x"]}})
    path = write_snapshot(lists, tmp_path / "lists.snap")
    assert json.loads(path.read_bytes().split(b"\n")[1])["format"] == 1
    assert load_snapshot(path).domains == lists.domains


def test_a_corrupt_or_truncated_snapshot_is_refused(lists, tmp_path):
    path = write_snapshot(lists, tmp_path / "lists.snap")
    data = path.read_bytes()
    path.write_bytes(data[:-10])
    with pytest.raises(SnapshotError, match="truncated or corrupt"):
        load_snapshot(path)
    path.write_bytes(b"garbage")
    with pytest.raises(SnapshotError, match="not an esafety"):
        load_snapshot(path)
    with pytest.raises(SnapshotError, match="cannot read"):
        load_snapshot(tmp_path / "missing.snap")


def test_the_fast_line_path_agrees_with_parse_and_match_on_awkward_lines(lists):
    urls = ["http://games.example/", "http://WWW.Games.Example:8080/x?y=1", "games.example:443",
            "http://www.images.example/adult", "http://images.example/adult?x=1",
            "http://images.example//adult", "http://images.example/Adult%2Fx",
            "http://user@porn.example/", "http://porn.example./", "http://[::1]/",
            "http://files.test/ymsgr.exe", "http://www2.images.example/adult/x",
            "http://bücher.example/", "ftp://proxy.example/file", "http://1.2.3.4/x",
            "http://nothing.example/a/b/c?d=e&f=g", "nohost", "http://"]
    enough = lists.mask_of(lists.categories)
    for url in urls:
        for method in ("GET", "CONNECT"):
            line = f"{url} 10.0.0.1/- pupil {method} myip=127.0.0.1"
            target = parse_target(url, method)
            expected = bool(target and lists.match(target, method == "CONNECT") & enough)
            assert isinstance(lists.blocked_lines([line], enough)[0], tuple) == expected, line


def test_a_list_entry_that_is_a_bare_top_level_domain_still_matches(tmp_path):
    from esafety.engine.urls.lists import read_lists
    from esafety.engine.urls.snapshot import compile_lists

    from .conftest import write_category

    write_category(tmp_path, "local", "internal\n")
    write_category(tmp_path, "games", "games.example\n")
    lists = compile_lists(read_lists(tmp_path))
    assert categories(lists, "http://printer.internal/") == ["local"]
    assert categories(lists, "http://a.games.example/") == ["games"]
    line = "http://printer.internal/ 10.0.0.1/- - GET"
    assert isinstance(lists.blocked_lines([line], lists.mask_of(["local"]))[0], tuple)

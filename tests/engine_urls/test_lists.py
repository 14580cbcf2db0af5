from esafety.engine.urls.lists import read_lists

from .conftest import SAMPLE, write_category


def test_comments_blank_lines_crlf_and_bom_are_read_without_warnings(tmp_path):
    write_category(tmp_path, "games", "\ufeff# games\r\n\r\ngames.example\r\n.Dot.Example.\r\n",
                   newline="\n")
    report = read_lists(tmp_path)
    assert report.categories["games"].domains == ["games.example", "dot.example"]
    assert report.warning_count == 0


def test_bad_entries_are_skipped_with_a_warning_naming_the_line(tmp_path):
    write_category(tmp_path, "games", "ok.example\nnot a domain\nhttp://x/y\n\x00\x01bin\n")
    write_category(tmp_path, "special", expressions="good.*\\.exe\n(unclosed\n")
    report = read_lists(tmp_path)
    assert report.categories["games"].domains == ["ok.example"]
    assert report.categories["special"].expressions == ["good.*\\.exe"]
    assert report.warning_count == 4
    assert "games/domains:2" in report.warnings[0]
    assert any("special/expressions:2" in w for w in report.warnings)


def test_undecodable_bytes_are_reported_not_fatal(tmp_path):
    folder = tmp_path / "games"
    folder.mkdir()
    (folder / "domains").write_bytes(b"ok.example\nbad\xff\xfe.example\n")
    report = read_lists(tmp_path)
    assert report.categories["games"].domains == ["ok.example"]
    assert report.warning_count == 2


def test_alias_files_name_the_category_they_stand_for(tmp_path):
    write_category(tmp_path, "adult", "porn.example\n")
    (tmp_path / "porn").write_text("adult\n")
    (tmp_path / "README").write_text("this is a long readme that is not an alias " * 3)
    report = read_lists(tmp_path)
    assert list(report.categories) == ["adult"]
    assert report.categories["adult"].aliases == ["porn"]


def test_the_package_sample_lists_read_cleanly():
    report = read_lists(SAMPLE)
    assert {"adult", "social_networks", "vpn", "doh", "redirector"} <= set(report.categories)
    assert report.warning_count == 0
    assert report.domain_count > 200
    assert report.categories["liste_blanche"].usage == "white"

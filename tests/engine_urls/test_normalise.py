from esafety.engine.urls.normalise import (
    host_suffixes,
    normalise_host,
    normalise_list_url,
    parse_target,
    url_prefixes,
)


def test_upper_case_port_userinfo_and_trailing_dot_are_removed_from_the_host():
    target = parse_target("HTTP://User:Secret@WWW.Example.COM.:8080/Path?Q=1")
    assert target.host == "www.example.com"
    assert target.port == 8080
    assert target.stripped == "example.com/path?q=1"
    assert target.scheme == "http"


def test_connect_lines_give_the_host_and_port():
    target = parse_target("secure.example.org:443", "CONNECT")
    assert (target.host, target.port, target.scheme) == ("secure.example.org", 443, "https")


def test_idn_hosts_become_punycode_like_the_lists():
    assert parse_target("http://bücher.example/").host == "xn--bcher-kva.example"
    assert parse_target("http://xn--bcher-kva.example/").host == "xn--bcher-kva.example"
    assert normalise_host("Bücher.Example.") == "xn--bcher-kva.example"


def test_ipv6_literals_keep_their_brackets_and_lose_the_port():
    target = parse_target("http://[2001:db8::1]:8080/x")
    assert target.host == "[2001:db8::1]"
    assert target.port == 8080
    assert target.is_ip


def test_percent_encoding_and_repeated_slashes_cannot_hide_a_path():
    target = parse_target("http://example.com//a%2Fb//c")
    assert target.stripped == "example.com/a/b/c"


def test_garbage_and_empty_input_give_no_target():
    assert parse_target("") is None
    assert parse_target("http:///nohost") is None
    assert parse_target("http://bad\\host/") is None


def test_an_overlong_url_is_cut_not_refused():
    target = parse_target("http://example.com/" + "a" * 100_000)
    assert target.host == "example.com"
    assert len(target.url) < 10_000


def test_host_suffixes_go_from_the_host_to_the_top_level_domain():
    assert host_suffixes("a.b.example.com") == [
        "a.b.example.com", "b.example.com", "example.com", "com"]


def test_url_prefixes_stop_at_path_and_query_boundaries():
    assert url_prefixes("example.com/a/b?x=1&y=2") == [
        "example.com", "example.com/a", "example.com/a/b", "example.com/a/b?x=1",
        "example.com/a/b?x=1&y=2"]


def test_list_urls_lose_scheme_www_and_final_slash():
    assert normalise_list_url("http://www.Example.com/Path/") == "example.com/path"
    assert normalise_list_url("example.com:8080/x") == "example.com/x"
    assert normalise_list_url("   ") == ""

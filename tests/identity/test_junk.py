"""Every sign-in page answers junk with a page, never a server error."""

import pytest

from esafety.directory import roles
from tests.identity.fakeidp import configure

JUNK = {"code": "\x00" * 3, "next": "javascript:alert(1)", "username": "x" * 500,
        "outcome": "explode", "email": "not-an-email", "kind": "aliens", "match_rule": "%",
        "issuer_url": "ftp://\x00", "tenant_id": "'; drop table", "state": "\x00",
        "new_password1": "a", "new_password2": "b", "two_factor_for_leaders": "maybe"}


@pytest.mark.parametrize("role", [None, roles.IT_MANAGER, roles.HEADTEACHER, roles.TEACHER,
                                  roles.PUPIL])
def test_junk_never_causes_a_server_error(role, client, make_person, client_for, school, idp):
    configure(school, idp)
    if role is not None:
        client = client_for(make_person(role))
    pages = ["/sign-in/", "/sign-in/school/hollins-park/", "/sign-in/school/nowhere/",
             "/sign-in/confirm/", "/sign-in/two-factor/", "/sign-in/settings/",
             "/sign-in/unmatched/", "/sign-in/unmatched/999999/",
             "/sign-in/settings/two-factor/999999/reset/", "/sign-in/forgotten/",
             "/sign-in/forgotten/xx/yy/", "/accounts/oidc/school-hollins-park/login/",
             "/accounts/oidc/school-hollins-park/login/callback/",
             "/accounts/oidc/nowhere/login/callback/"]
    for url in pages:
        for response in (client.get(url, JUNK), client.post(url, JUNK)):
            assert response.status_code in (200, 302, 400, 403, 404, 405, 410, 429), (
                url, response.status_code)

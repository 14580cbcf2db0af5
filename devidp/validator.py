"""django-oauth-toolkit's validator with the style's claims and the misbehaviour modes."""

from __future__ import annotations

import json
import time
from typing import Any

from django.db import router, transaction
from jwcrypto import jwt
from oauth2_provider.models import get_id_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.utils import jwk_from_pem

from devidp import claims as claims_mod
from devidp import config
from devidp import settings as conf
from devidp.models import Identity

# What each misbehaviour puts in the token instead of the right value.
WRONG_ISSUER_PATH = "/someone-else/v2.0"
WRONG_AUDIENCE = "another-application"
WRONG_NONCE = "not-the-nonce-you-sent"


class Validator(OAuth2Validator):
    # Every claim of the account goes out whatever the scopes (a test provider: the relying
    # party decides what it uses).
    oidc_claim_scope = None

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        identity = Identity.objects.filter(user=request.user).first()
        stored = identity.claims if identity else {}
        return claims_mod.issued(conf.STYLE, stored, request.client.client_id)

    def get_discovery_claims(self, request: Any) -> list[str]:
        return list(claims_mod.CLAIMS_SUPPORTED[conf.STYLE])

    def finalize_id_token(self, id_token: dict[str, Any], token: Any, token_handler: Any,
                          request: Any) -> str:
        # As OAuth2Validator.finalize_id_token, plus the misbehaviour mode.
        claims, expiration_time = self.get_id_token_dictionary(token, token_handler, request)
        id_token.update(**claims)
        if "nonce" not in id_token and request.nonce:
            id_token["nonce"] = request.nonce

        key = request.client.jwk_key
        header = {"typ": "JWT", "alg": request.client.algorithm, "kid": key.thumbprint()}
        signing_key = key
        mode = config.get_mode(conf.DATA_DIR)
        if mode == "wrong_issuer":
            id_token["iss"] = conf.ORIGIN + WRONG_ISSUER_PATH
        elif mode == "wrong_audience":
            id_token["aud"] = WRONG_AUDIENCE
        elif mode == "wrong_nonce":
            id_token["nonce"] = WRONG_NONCE
        elif mode == "expired":
            now = int(time.time())
            id_token["iat"] = id_token["auth_time"] = now - 7200
            id_token["exp"] = now - 3600
        elif mode == "bad_signature":
            # Signed with a key the JWKS does not hold, under the real key's kid.
            signing_key = jwk_from_pem(config.signing_key(conf.DATA_DIR, "other-key.pem"))

        jwt_token = jwt.JWT(header=json.dumps(header), claims=json.dumps(id_token, default=str))
        jwt_token.make_signed_token(signing_key)
        id_token_model = get_id_token_model()
        with transaction.atomic(using=router.db_for_write(id_token_model)):
            saved = self._save_id_token(id_token["jti"], request, expiration_time)
        request.access_token = saved
        request.id_token = saved
        return jwt_token.serialize()

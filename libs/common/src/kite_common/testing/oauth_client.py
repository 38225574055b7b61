"""A client system as tests play it: its own key pair, its JWKS served over real HTTP, and
RFC 7523 assertions signed with it."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from kite_common.clock import utcnow
from kite_common.ids import new_id

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class ClientSystem:
    def __init__(self, kid: str = "sys-1") -> None:
        self.kid = kid
        self.key = ec.generate_private_key(ec.SECP256R1())
        system = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = json.dumps({"keys": [system.public_jwk()]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.jwks_url = f"http://127.0.0.1:{self._server.server_address[1]}/jwks.json"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def public_jwk(self) -> dict[str, Any]:
        data = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key()))
        return {**data, "kid": self.kid, "use": "sig", "alg": "ES256"}

    def assertion(
        self, client_id: str, audience: str, *, lifetime: timedelta = timedelta(minutes=2), jti: str | None = None
    ) -> str:
        now = utcnow()
        claims = {
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "iat": now,
            "exp": now + lifetime,
            "jti": jti or str(new_id()),
        }
        return jwt.encode(claims, self.key, algorithm="ES256", headers={"kid": self.kid})

    def token_form(self, client_id: str, audience: str, scope: str | None = None, **kwargs: Any) -> dict[str, str]:
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": JWT_BEARER,
            "client_assertion": self.assertion(client_id, audience, **kwargs),
        }
        if scope is not None:
            form["scope"] = scope
        return form

"""A tiny OpenID Connect provider speaking the real protocol (discovery, authorization code with
PKCE S256, token endpoint, JWKS), run in a thread on a local port for the sign-in tests."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from joserfc import jwt
from joserfc.jwk import RSAKey
from kite_common.localstack.infra import free_port


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str


@dataclass
class Provider:
    client_id: str = "kite-console"
    # What the provider's tokens say about the user: the claims the Kite services read.
    user: dict[str, Any] = field(
        default_factory=lambda: {
            "sub": "oidc-li",
            "name": "李明（统一认证）",
            "roles": ["viewer"],
            "jurisdiction": "530625",
        }
    )
    port: int = field(default_factory=free_port)
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    grants: dict[str, Grant] = field(default_factory=dict)
    tokens_issued: int = 0

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        async def discovery() -> dict[str, Any]:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": self.issuer + "/authorize",
                "token_endpoint": self.issuer + "/token",
                "jwks_uri": self.issuer + "/jwks",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }

        @app.get("/jwks")
        async def jwks() -> dict[str, Any]:
            return {"keys": [self.key.as_dict(private=False)]}

        @app.get("/authorize")
        async def authorize(request: Request) -> RedirectResponse:
            q = request.query_params
            if q.get("response_type") != "code" or q.get("client_id") != self.client_id:
                raise HTTPException(400, "bad request")
            if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
                raise HTTPException(400, "PKCE required")
            code = secrets.token_urlsafe(16)
            self.grants[code] = Grant(self.client_id, q["redirect_uri"], q["code_challenge"], q.get("nonce", ""))
            return RedirectResponse(q["redirect_uri"] + "?" + urlencode({"code": code, "state": q["state"]}), 302)

        @app.post("/token")
        async def token(
            grant_type: str = Form(),
            code: str = Form(),
            redirect_uri: str = Form(),
            code_verifier: str = Form(),
            client_id: str = Form(),
        ) -> JSONResponse:
            grant = self.grants.pop(code, None)
            digest = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=").decode()
            if (
                grant is None
                or grant_type != "authorization_code"
                or grant.redirect_uri != redirect_uri
                or client_id != grant.client_id
                or digest != grant.challenge
            ):
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            now = int(time.time())
            header = {"alg": "RS256", "kid": "k1"}
            id_token = jwt.encode(
                header,
                {
                    "iss": self.issuer,
                    "aud": self.client_id,
                    "sub": self.user["sub"],
                    "name": self.user["name"],
                    "nonce": grant.nonce,
                    "iat": now,
                    "exp": now + 300,
                },
                self.key,
            )
            access_token = jwt.encode(
                header, {**self.user, "iss": self.issuer, "aud": "kite", "iat": now, "exp": now + 300}, self.key
            )
            self.tokens_issued += 1
            return JSONResponse({"access_token": access_token, "id_token": id_token, "token_type": "Bearer"})

        return app

    def start(self) -> _Running:
        server = uvicorn.Server(uvicorn.Config(self.app(), host="127.0.0.1", port=self.port, log_config=None))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        return _Running(server, thread)


@dataclass
class _Running:
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)

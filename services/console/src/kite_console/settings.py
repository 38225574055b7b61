"""The console's settings: sign-in (dev users, OpenID Connect), cookies, and where the APIs are."""

from __future__ import annotations

import os

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KITE_CONSOLE_", extra="ignore")

    # The local sign-in as a dev user of each role and county. Never on in production: it mints
    # tokens with the services' shared secret (KITE_AUTH_JWT_SECRET).
    # `kite up` sets KITE_LOCAL_DEV=true.
    dev_sign_in: bool = Field(
        default=False, validation_alias=AliasChoices("KITE_CONSOLE_DEV_SIGN_IN", "KITE_LOCAL_DEV")
    )
    session_ttl_s: int = 8 * 3600
    # Secure cookies: "auto" when the request came over TLS (X-Forwarded-Proto behind the ingress).
    cookie_secure: str = "auto"  # auto | true | false
    # OpenID Connect (authorization code + PKCE). The access token it returns is what the console
    # sends to the APIs, so the services must trust the same issuer (KITE_AUTH_JWKS_URL).
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_scopes: str = "openid profile"
    # Where the browser reaches the console (for the OIDC redirect URI); else taken from the request.
    public_base_url: str | None = None
    api_timeout_s: float = 10.0


def service_url(name: str) -> str:
    """Where another service's API is: KITE_SERVICE_URL_<NAME> (`kite up` and the chart set it), else
    the Kubernetes service name."""
    return os.environ.get(f"KITE_SERVICE_URL_{name.upper()}", f"http://{name}:8000").rstrip("/")

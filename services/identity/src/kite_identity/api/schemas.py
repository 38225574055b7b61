from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class RegisterClientRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=63, examples=["hotline-12345"])
    auth_method: Literal["private_key_jwt", "client_secret"] = Field(examples=["private_key_jwt"])
    jwks_url: str | None = Field(default=None, max_length=2000, examples=["https://hotline.example.gov.cn/jwks.json"])
    public_keys: list[dict[str, str]] = Field(
        default_factory=list, max_length=10, description="JWK 公钥（不含私钥部分）"
    )
    scopes: list[str] = Field(max_length=50, examples=[["casework:read", "casework:write", "casework:events"]])
    roles: list[str] = Field(max_length=10, examples=[["caseworker"]])
    jurisdiction: str = Field(max_length=12, examples=["522631"])


class ClientResponse(BaseModel):
    client_id: uuid.UUID
    name: str = Field(examples=["hotline-12345"])
    auth_method: str = Field(examples=["private_key_jwt"])
    jwks_url: str | None = None
    scopes: list[str] = Field(examples=[["casework:read", "casework:write", "casework:events"]])
    roles: list[str] = Field(examples=[["caseworker"]])
    jurisdiction: str = Field(examples=["522631"])
    revoked: bool = False
    client_secret: str | None = Field(default=None, description="仅在登记时返回一次")


class RevokeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, examples=["系统下线"])


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int = Field(examples=[600])
    scope: str = Field(examples=["casework:read casework:write casework:events"])

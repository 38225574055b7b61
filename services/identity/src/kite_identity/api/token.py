"""The token endpoint (OAuth 2.0 client credentials) and Kite's published signing keys. No bearer
token is needed here: a client proves itself in the request."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from kite_common.clock import utcnow
from kite_common.domain import BadRequest
from kite_common.runtime import ServiceRuntime

from kite_identity.adapters.signing_keys import SigningKeys
from kite_identity.api.schemas import TokenResponse
from kite_identity.application.issue_token import TokenService, parse_form
from kite_identity.settings import IdentitySettings

router = APIRouter(tags=["oauth"])


def token_service(request: Request) -> TokenService:
    """The app's token service, made from the environment on first use."""
    service: TokenService | None = getattr(request.app.state, "token_service", None)
    if service is None:
        settings = IdentitySettings()
        keys = SigningKeys.parse(settings.signing_keys.get_secret_value() if settings.signing_keys else None)
        service = TokenService(settings, keys, {})
        request.app.state.token_service = service
    return service


_FORM_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["grant_type"],
                    "properties": {
                        "grant_type": {"const": "client_credentials"},
                        "scope": {"type": "string", "description": "要求的权限，空格分隔；省略则为登记的全部"},
                        "client_assertion_type": {"const": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
                        "client_assertion": {"type": "string", "description": "RFC 7523 私钥签名的 JWT"},
                        "client_id": {"type": "string"},
                        "client_secret": {"type": "string"},
                    },
                },
                "example": {
                    "grant_type": "client_credentials",
                    "scope": "casework:write casework:events",
                    "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    "client_assertion": "eyJhbGciOiJFUzI1NiIsImtpZCI6ImhvdGxpbmUtMSJ9.e30.sig",
                },
            }
        },
    }
}


@router.post(
    "/oauth/token",
    response_model=TokenResponse,
    summary="以客户端凭据换取访问令牌（OAuth 2.0 client_credentials；RFC 7523 私钥断言或客户端密钥）",
    openapi_extra=_FORM_BODY,
    responses={
        400: {"description": "请求有误（error: invalid_request / unsupported_grant_type / invalid_scope）"},
        401: {"description": "客户端身份验证失败（error: invalid_client）"},
        415: {"description": "请求体应为表单"},
        429: {"description": "取令牌过于频繁（Retry-After）"},
        503: {"description": "未配置签名密钥"},
    },
)
async def token(request: Request, response: Response) -> TokenResponse:
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise BadRequest("请求体应为 application/x-www-form-urlencoded", code="invalid-form")
    body = await request.body()
    form = parse_form(body)
    runtime: ServiceRuntime = request.app.state.runtime
    tokens = token_service(request)
    endpoint = str(request.url.replace(query=""))
    async with runtime.pool.acquire() as conn:
        issued = await tokens.issue(conn, form, endpoint, utcnow())
    response.headers["Cache-Control"] = "no-store"
    return TokenResponse(access_token=issued.access_token, expires_in=issued.expires_in, scope=issued.scope)


@router.get("/.well-known/jwks.json", summary="Kite 访问令牌的签名公钥（JWKS）")
async def jwks(request: Request, response: Response) -> dict[str, Any]:
    tokens = token_service(request)
    response.headers["Cache-Control"] = "public, max-age=300"
    return tokens.keys.jwks()

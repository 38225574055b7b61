"""Public certificate routes, served without a token (`ServiceDefinition.public_routers`): anyone
shown a certificate checks it here. They answer only what the certificate itself shows."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.http.media_types import is_json_media_type
from kite_common.http.problems import Problem
from pydantic import ValidationError

from kite_casework.certificates.adapters.pdf import extract_signed_document
from kite_casework.certificates.api.dependencies import Keys
from kite_casework.certificates.api.schemas import (
    PublicKeyResponse,
    PublicKeysResponse,
    VerificationResponse,
    VerifyPayloadRequest,
)
from kite_casework.certificates.api.views import verification_response
from kite_casework.certificates.application.verification import verify_presented, verify_stored

router = APIRouter(prefix="/certificates", tags=["certificates (public)"])

_VERIFY_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": VerifyPayloadRequest.model_json_schema()},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.get("/signing-keys", response_model=PublicKeysResponse, summary="证明签名公钥（公开）")
async def signing_keys(keys: Keys) -> PublicKeysResponse:
    return PublicKeysResponse(
        keys=[PublicKeyResponse(key_id=kid, public_key=pk) for kid, pk in keys.public_keys().items()]
    )


@router.get("/{certificate_id}/verify", response_model=VerificationResponse, summary="核验证明（公开，无需登录）")
async def verify_by_id(certificate_id: uuid.UUID, runtime: Runtime, keys: Keys) -> VerificationResponse:
    async with runtime.pool.acquire() as conn:
        result = await verify_stored(conn, keys, certificate_id)
    return verification_response(result)


@router.post(
    "/verify",
    response_model=VerificationResponse,
    summary="核验证明文件或签名内容（公开，无需登录）",
    description="上传证明 PDF（Content-Type: application/pdf），或提交 {payload, signature, key_id}（JSON）。",
    openapi_extra=_VERIFY_BODY,
    responses={
        413: {"description": "请求体过大"},
        415: {"description": "请求体既不是 PDF 也不是 JSON"},
        422: {"description": "PDF 中没有本系统的签名，或 JSON 不完整"},
    },
)
async def verify_presented_document(request: Request, runtime: Runtime, keys: Keys) -> VerificationResponse:
    content_type = request.headers.get("content-type", "")
    body = await request.body()
    if content_type.split(";")[0].strip().lower() == "application/pdf":
        document = extract_signed_document(body)
        if document is None:
            raise Problem(
                "文件中没有本系统的电子签名数据：请上传本系统出具的证明 PDF", status=422, code="not-a-certificate"
            )
        payload, signature, key_id = document.payload, document.signature, document.key_id
    elif is_json_media_type(content_type):
        try:
            presented = VerifyPayloadRequest.model_validate_json(body)
        except ValidationError as exc:
            raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from exc
        payload, signature, key_id = presented.payload, presented.signature, presented.key_id
    else:
        raise Problem(
            f"请求体应为证明 PDF（application/pdf）或 JSON（application/json），收到的是 {content_type[:100]}",
            status=415,
            code="unsupported-media-type",
        )
    async with runtime.pool.acquire() as conn:
        result = await verify_presented(conn, keys, payload, signature, key_id)
    return verification_response(result)

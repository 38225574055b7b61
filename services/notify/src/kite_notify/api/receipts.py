"""/receipts: delivery receipts pushed by SMS providers (public: providers hold no Kite token).

Aliyun pushes SmsReport batches as a JSON array and expects `{"code": 0, "msg": "成功"}`; it does not
sign them, so the push URL configured at Aliyun carries a secret token (`?token=`), compared in
constant time. A wrong token answers 401 and nothing changes."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Query
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.http.problems import Problem
from pydantic import BaseModel, ConfigDict, Field

from kite_notify.adapters.channel_settings import AliyunSmsSettings
from kite_notify.application.record_receipts import Receipt, record_receipts

router = APIRouter(prefix="/receipts", tags=["receipts"])


class AliyunSmsReport(BaseModel):
    model_config = ConfigDict(extra="ignore")

    out_id: str = Field(max_length=100)
    biz_id: str = Field(max_length=100)
    success: bool
    err_code: str = Field(default="", max_length=100)
    err_msg: str = Field(default="", max_length=200)


class ReceiptAnswer(BaseModel):
    code: int
    msg: str


@router.post(
    "/aliyun-sms",
    response_model=ReceiptAnswer,
    summary="阿里云短信回执（状态报告）",
    responses={401: {"description": "回执令牌（?token=）无效"}},
)
async def aliyun_sms_receipts(
    reports: Annotated[list[AliyunSmsReport], Field(min_length=1, max_length=1000)],
    runtime: Runtime,
    token: Annotated[str, Query(max_length=200)] = "",
) -> ReceiptAnswer:
    expected = AliyunSmsSettings().receipt_token
    if expected is None or not hmac.compare_digest(token.encode(), expected.get_secret_value().encode()):
        raise Problem("回执令牌无效", status=401, code="bad-receipt-token")
    receipts = [Receipt(r.out_id, r.biz_id, r.success, r.err_code, r.err_msg) for r in reports]
    await record_receipts(runtime.unit_of_work(), "sms", receipts)
    return ReceiptAnswer(code=0, msg="成功")

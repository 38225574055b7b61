"""HTTP request and response bodies of the certificate API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kite_casework.certificates.domain.certificate import CertificateStatus


class IssueCertificateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    member_id: uuid.UUID = Field(description="证明对象（名册中的人员编号）")
    template: str = Field(
        max_length=50, description="证明模板：work 务工证明 / mobile_party_member 流动党员证明 / hardship 困难证明"
    )
    office_name: str = Field(max_length=60, description="出具证明的单位，如“乐陵市人力资源和社会保障局”；印在印章上")
    fields: dict[str, str] = Field(
        default_factory=dict, description="模板要求填写的各项（见 GET /certificates/templates）"
    )
    case_id: uuid.UUID | None = Field(default=None, description="关联的诉求（可选，须为该人员的诉求）")
    office_id: uuid.UUID | None = Field(
        default=None,
        description="出具证明的受理单位（名册组织编号，可选）：该单位的服务台账（?office=）计入此证明",
    )


class RevokeCertificateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=500, description="撤销原因")


class TemplateFieldResponse(BaseModel):
    name: str
    label: str


class TemplateResponse(BaseModel):
    code: str
    title: str
    body: str = Field(description="正文；{…} 为占位项：member_name、home_place_code、office_name、issued_on 由系统填写")
    fields: list[TemplateFieldResponse] = Field(description="出具时须填写的各项")
    party_members_only: bool


class CertificateResponse(BaseModel):
    certificate_id: uuid.UUID
    member_id: uuid.UUID
    case_id: uuid.UUID | None
    origin_division_code: str = Field(description="证明对象户籍地区划代码")
    template: str
    title: str
    member_name: str
    office_name: str
    text: str = Field(description="证明正文（已签名的内容）")
    issued_by: str
    issued_at: datetime
    key_id: str = Field(description="签名密钥编号")
    signature: str = Field(description="Ed25519 签名（base64），覆盖 payload")
    payload: str = Field(description="所证明内容的规范 JSON，签名即对此文本")
    status: CertificateStatus
    status_label: str
    revoked_reason: str | None
    revoked_by: str | None
    revoked_at: datetime | None
    verify_url: str = Field(description="公开核验地址（二维码内容）")
    version: int = Field(description="当前版本；可在 If-Match 中带回以防覆盖他人的修改")


class CertificatePage(BaseModel):
    items: list[CertificateResponse]
    next_cursor: str | None


class VerifyPayloadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payload: str = Field(max_length=20_000, description="证明所附的已签名内容（规范 JSON 文本）")
    signature: str = Field(max_length=200, description="Ed25519 签名（base64）")
    key_id: str = Field(max_length=32, description="签名密钥编号")


class CertifiedFacts(BaseModel):
    """What a genuine certificate certifies; personal numbers are never shown whole."""

    certificate_id: uuid.UUID
    template: str
    title: str
    member_name: str
    office_name: str
    text: str
    issued_on: str = Field(description="落款日期，如“2025年3月8日”")
    issued_at: datetime
    key_id: str


class VerificationResponse(BaseModel):
    genuine: bool = Field(description="签名与内容相符，且为本系统出具")
    detail: str
    status: CertificateStatus | None = Field(default=None, description="current 有效 / revoked 已撤销")
    status_label: str | None = None
    revoked_at: datetime | None = None
    revoked_reason: str | None = None
    certifies: CertifiedFacts | None = None


class PublicKeyResponse(BaseModel):
    key_id: str
    algorithm: str = "Ed25519"
    public_key: str = Field(description="原始 32 字节公钥（base64）")


class PublicKeysResponse(BaseModel):
    keys: list[PublicKeyResponse]

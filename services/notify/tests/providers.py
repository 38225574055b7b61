"""Local stand-ins for what cannot run here, speaking the real protocols: an SMTP server that insists on
STARTTLS (aiosmtpd, with a certificate made for 127.0.0.1), and an Aliyun SMS endpoint that checks the
request signature as Aliyun documents it and answers as SendSms does."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import ssl
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from kite_common.localstack.infra import free_port
from kite_common.testing.stack import serving
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ACCESS_KEY_ID = "LTAI-test-id"
ACCESS_KEY_SECRET = "test-secret-不外传"
REFUSED_NUMBER = "19900000000"
MAX_ATTEMPTS = 3  # notify's attempts at a send, as the tests configure it
RECEIPT_TOKEN = "receipt-token-from-the-push-url"  # the stand-in answers isv.MOBILE_NUMBER_ILLEGAL for it


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp.pem", directory / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@dataclass
class Mailbox:
    """What the SMTP server took: each message, and whether its session had been upgraded to TLS."""

    messages: list[tuple[EmailMessage, bool, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        self.messages.append((mail, session.ssl is not None, envelope.rcpt_tos))
        return "250 OK"


@contextlib.contextmanager
def smtp_server(directory: Path):  # type: ignore[no-untyped-def]
    cert, key = self_signed(directory)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, tls_context=tls, require_starttls=True)
    controller.start()
    try:
        yield mailbox, port, cert
    finally:
        controller.stop()


def _aliyun_encode(value: str) -> str:
    """Aliyun's percentEncode, as its documentation states it: URL-encode in UTF-8, then + → %20,
    * → %2A, %7E → ~."""
    return urllib.parse.quote_plus(value, safe="").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


def aliyun_signature(secret: str, method: str, params: dict[str, str]) -> str:
    query = "&".join(f"{_aliyun_encode(k)}={_aliyun_encode(params[k])}" for k in sorted(params))
    to_sign = f"{method}&{_aliyun_encode('/')}&{_aliyun_encode(query)}"
    return base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


REQUIRED = {
    "AccessKeyId",
    "Action",
    "Format",
    "PhoneNumbers",
    "SignName",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureVersion",
    "TemplateCode",
    "Timestamp",
    "Version",
    "Signature",
}


@dataclass
class AliyunSms:
    url: str = ""
    unavailable: bool = False  # answer 503 to everything (the provider down)
    requests: list[dict[str, str]] = field(default_factory=list)
    accepted: list[dict[str, str]] = field(default_factory=list)
    nonces: set[str] = field(default_factory=set)

    async def handle(self, request: Request) -> JSONResponse:
        params = dict(request.query_params)
        self.requests.append(params)
        request_id = str(uuid.uuid4()).upper()
        if self.unavailable:
            return JSONResponse({"Code": "ServiceUnavailable", "RequestId": request_id}, status_code=503)
        missing = REQUIRED - set(params)
        if missing:
            return _error(400, "MissingParameter", f"missing {sorted(missing)}", request_id)
        if params["AccessKeyId"] != ACCESS_KEY_ID:
            return _error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.", request_id)
        signature = params.pop("Signature")
        if not hmac.compare_digest(signature, aliyun_signature(ACCESS_KEY_SECRET, "GET", params)):
            return _error(400, "SignatureDoesNotMatch", "Specified signature is not matched.", request_id)
        when = dt.datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        if abs((dt.datetime.now(dt.UTC) - when).total_seconds()) > 900 or params["SignatureNonce"] in self.nonces:
            return _error(400, "SignatureNonceUsed", "Specified signature nonce was used already.", request_id)
        self.nonces.add(params["SignatureNonce"])
        if params["PhoneNumbers"] == REFUSED_NUMBER:
            return JSONResponse({"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": request_id})
        self.accepted.append(params)
        biz_id = f"{len(self.accepted):06d}^0"
        return JSONResponse({"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id})


def _error(status: int, code: str, message: str, request_id: str) -> JSONResponse:
    body = {"Code": code, "Message": message, "RequestId": request_id, "HostId": "dysmsapi.aliyuncs.com"}
    return JSONResponse(body, status_code=status)


@contextlib.asynccontextmanager
async def aliyun_sms():  # type: ignore[no-untyped-def]
    provider = AliyunSms()
    app = Starlette(routes=[Route("/", provider.handle, methods=["GET"])])
    async with serving(app, "the Aliyun SMS stand-in") as url:
        provider.url = url + "/"
        yield provider


TENCENT_SECRET_ID = "AKID-test-id"
TENCENT_SECRET_KEY = "tencent-test-key"
TENCENT_APP_ID = "1400000001"


def tencent_signature(secret_key: str, date: str, service: str, string_to_sign: str) -> str:
    """TC3-HMAC-SHA256 as Tencent Cloud documents it: the derived key, then the hex HMAC."""

    def mac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()

    secret_date = mac(("TC3" + secret_key).encode("utf-8"), date)
    secret_signing = mac(mac(secret_date, service), "tc3_request")
    return hmac.new(secret_signing, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass
class TencentSms:
    url: str = ""
    accepted: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    async def handle(self, request: Request) -> JSONResponse:
        body = await request.body()
        request_id = str(uuid.uuid4())
        auth = request.headers.get("authorization", "")
        fields = dict(part.strip().split("=", 1) for part in auth.removeprefix("TC3-HMAC-SHA256 ").split(","))
        secret_id, date, service, _ = fields.get("Credential", "///").split("/")
        timestamp = int(request.headers.get("x-tc-timestamp", "0"))
        signed = fields.get("SignedHeaders", "").split(";")
        canonical_headers = "".join(f"{h}:{request.headers.get(h, '').strip().lower()}\n" for h in signed)
        canonical = f"POST\n/\n\n{canonical_headers}\n{';'.join(signed)}\n{hashlib.sha256(body).hexdigest()}"
        scope = f"{date}/{service}/tc3_request"
        to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        expected = tencent_signature(TENCENT_SECRET_KEY, date, service, to_sign)
        day = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
        if (
            secret_id != TENCENT_SECRET_ID
            or date != day
            or abs(time.time() - timestamp) > 300
            or not hmac.compare_digest(fields.get("Signature", ""), expected)
        ):
            error = {
                "Code": "AuthFailure.SignatureFailure",
                "Message": "The provided credentials could not be validated.",
            }
            return JSONResponse({"Response": {"Error": error, "RequestId": request_id}})
        if request.headers.get("x-tc-action") != "SendSms" or request.headers.get("x-tc-version") != "2021-01-11":
            error = {"Code": "InvalidAction", "Message": "action or version not found"}
            return JSONResponse({"Response": {"Error": error, "RequestId": request_id}})
        sent = json.loads(body)
        number = sent["PhoneNumberSet"][0]
        if number == "+86" + REFUSED_NUMBER:
            self.refused.append(number)
            status = {
                "SerialNo": "",
                "PhoneNumber": number,
                "Fee": 0,
                "SessionContext": sent.get("SessionContext", ""),
                "Code": "InvalidParameterValue.IncorrectPhoneNumber",
                "Message": "incorrect number",
                "IsoCode": "CN",
            }
        else:
            self.accepted.append(sent)
            status = {
                "SerialNo": f"2640:{len(self.accepted):06d}",
                "PhoneNumber": number,
                "Fee": 1,
                "SessionContext": sent.get("SessionContext", ""),
                "Code": "Ok",
                "Message": "send success",
                "IsoCode": "CN",
            }
        return JSONResponse({"Response": {"SendStatusSet": [status], "RequestId": request_id}})


@contextlib.asynccontextmanager
async def tencent_sms():  # type: ignore[no-untyped-def]
    provider = TencentSms()
    app = Starlette(routes=[Route("/", provider.handle, methods=["POST"])])
    async with serving(app, "the Tencent SMS stand-in") as url:
        provider.url = url + "/"
        yield provider


# Group robots: one stand-in serving WeCom's, DingTalk's and Feishu's robot webhooks, each checking
# the credential and signature as its provider documents and answering with the provider's codes.
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DINGTALK_TOKEN = "dt-access-token-0001"
DINGTALK_SECRET = "SEC0123456789abcdef-钉钉"
FEISHU_TOKEN = "fs-hook-token-0001"
FEISHU_SECRET = "feishu-secret-0001"
KEYWORD = "风筝"  # the robots' security keyword: a text without it is refused (DingTalk 310000, Feishu 19024)


def dingtalk_expected_sign(secret: str, timestamp: str) -> str:
    """DingTalk's documentation: HmacSHA256 keyed by the secret over "timestamp\\nsecret", Base64."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_expected_sign(secret: str, timestamp: str) -> str:
    """Feishu's documentation: HmacSHA256 keyed by "timestamp\\nsecret" over nothing, Base64."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@dataclass
class Robots:
    url: str = ""
    throttle_next: int = 0  # answer the provider's rate-limit code to the next N posts
    posts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    accepted: list[tuple[str, str]] = field(default_factory=list)  # (provider, text)

    def _throttled(self) -> bool:
        if self.throttle_next > 0:
            self.throttle_next -= 1
            return True
        return False

    async def wecom(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.posts.append(("wecom", body))
        if request.query_params.get("key") != WECOM_KEY:
            return JSONResponse({"errcode": 93000, "errmsg": "invalid webhook url, hint: [1700000000_1]"})
        if self._throttled():
            return JSONResponse({"errcode": 45009, "errmsg": "api freq out of limit"})
        if body.get("msgtype") != "text" or not body.get("text", {}).get("content"):
            return JSONResponse({"errcode": 44004, "errmsg": "empty content"})
        self.accepted.append(("wecom", body["text"]["content"]))
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    async def dingtalk(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.posts.append(("dingtalk", body))
        q = request.query_params
        if q.get("access_token") != DINGTALK_TOKEN:
            return JSONResponse({"errcode": 300001, "errmsg": "token is not exist"})
        timestamp, sign = q.get("timestamp", ""), q.get("sign", "")
        if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 3_600_000:
            return JSONResponse({"errcode": 310000, "errmsg": "sign not match, more: [timestamp expired]"})
        if not hmac.compare_digest(sign, dingtalk_expected_sign(DINGTALK_SECRET, timestamp)):
            return JSONResponse({"errcode": 310000, "errmsg": "sign not match, more: [sign mismatch]"})
        if self._throttled():
            return JSONResponse({"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
        content = body.get("text", {}).get("content", "")
        if KEYWORD not in content:
            return JSONResponse({"errcode": 310000, "errmsg": "keywords not in content"})
        self.accepted.append(("dingtalk", content))
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    async def feishu(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.posts.append(("feishu", body))
        if request.path_params["token"] != FEISHU_TOKEN:
            return JSONResponse({"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}, 400)
        timestamp = str(body.get("timestamp", ""))
        if (
            not timestamp.isdigit()
            or abs(time.time() - int(timestamp)) > 3600
            or not hmac.compare_digest(str(body.get("sign", "")), feishu_expected_sign(FEISHU_SECRET, timestamp))
        ):
            return JSONResponse({"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}, 400)
        if self._throttled():
            return JSONResponse({"code": 11232, "msg": "frequency limited psm[lark.oapi.app_platform_runtime]"})
        content = body.get("content", {}).get("text", "")
        if body.get("msg_type") != "text" or KEYWORD not in content:
            return JSONResponse({"code": 19024, "msg": "Key Words Not Found"}, 400)
        self.accepted.append(("feishu", content))
        return JSONResponse({"code": 0, "msg": "success", "data": {}})

    def address(self, provider: str, token: str | None = None) -> str:
        if provider == "wecom":
            return f"{self.url}/cgi-bin/webhook/send?key={token or WECOM_KEY}"
        if provider == "dingtalk":
            return f"{self.url}/robot/send?access_token={token or DINGTALK_TOKEN}"
        return f"{self.url}/open-apis/bot/v2/hook/{token or FEISHU_TOKEN}"


@contextlib.asynccontextmanager
async def robots():  # type: ignore[no-untyped-def]
    provider = Robots()
    app = Starlette(
        routes=[
            Route("/cgi-bin/webhook/send", provider.wecom, methods=["POST"]),
            Route("/robot/send", provider.dingtalk, methods=["POST"]),
            Route("/open-apis/bot/v2/hook/{token}", provider.feishu, methods=["POST"]),
        ]
    )
    async with serving(app, "the group robots' stand-in") as url:
        provider.url = url
        yield provider

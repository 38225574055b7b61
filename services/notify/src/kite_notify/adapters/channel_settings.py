"""Settings of the email and SMS channels and of their delivery worker (environment variables)."""

from __future__ import annotations

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kite_notify.domain.sms_template_codes import NoSmsTemplateCode, SmsProvider, check_codes


class DeliverySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KITE_NOTIFY_", extra="ignore")

    max_attempts: int = Field(default=5, ge=1, le=20)  # then technical-failure
    backoff_initial_s: float = Field(default=5.0, gt=0)
    sms_provider: SmsProvider = "aliyun"
    sms_per_second: float = Field(default=10.0, gt=0)  # the SMS account's QPS limit
    email_per_second: float = Field(default=20.0, gt=0)
    # Group robots: all robots together; each provider also limits one robot to about 20 a minute,
    # which it answers with a rate-limit code that notify retries with backoff.
    robot_per_second: float = Field(default=3.0, gt=0)
    robot_timeout_s: float = Field(default=10.0, gt=0)


class SmtpSettings(BaseSettings):
    """Email over SMTP with STARTTLS (port 587); `ca_file` for a server with a private CA."""

    model_config = SettingsConfigDict(env_prefix="KITE_SMTP_", extra="ignore")

    host: str | None = None
    port: int = 587
    sender: str = "noreply@kite.example.cn"
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool = True
    ca_file: str | None = None
    timeout_s: float = 15.0


class AliyunSmsSettings(BaseSettings):
    """Aliyun SMS (dysmsapi): the sign name and, per notice kind, the template code approved for it."""

    model_config = SettingsConfigDict(env_prefix="KITE_SMS_ALIYUN_", extra="ignore")

    endpoint: str = "https://dysmsapi.aliyuncs.com/"
    access_key_id: str | None = None
    access_key_secret: SecretStr | None = None
    sign_name: str = "风筝家园"
    template_codes: dict[str, str] = Field(default_factory=dict)  # kind → SMS_123456789
    region_id: str = "cn-hangzhou"
    # Aliyun pushes delivery receipts (SmsReport) unsigned: the push URL carries this token instead.
    receipt_token: SecretStr | None = None
    timeout_s: float = 10.0

    @field_validator("template_codes")
    @classmethod
    def _codes(cls, codes: dict[str, str]) -> dict[str, str]:
        return check_codes("aliyun", codes)

    @property
    def configured(self) -> bool:
        return bool(self.access_key_id and self.access_key_secret)


class TencentSmsSettings(BaseSettings):
    """Tencent Cloud SMS (API 3.0, sms 2021-01-11): the SDK app, the sign name and, per notice kind, the
    approved template id, whose {1}, {2}… are the kind's placeholders in the order /templates/kinds lists."""

    model_config = SettingsConfigDict(env_prefix="KITE_SMS_TENCENT_", extra="ignore")

    endpoint: str = "https://sms.tencentcloudapi.com/"
    secret_id: str | None = None
    secret_key: SecretStr | None = None
    sdk_app_id: str = ""
    sign_name: str = "风筝家园"
    template_ids: dict[str, str] = Field(default_factory=dict)  # kind → template id
    region: str = "ap-guangzhou"
    timeout_s: float = 10.0

    @field_validator("template_ids")
    @classmethod
    def _codes(cls, codes: dict[str, str]) -> dict[str, str]:
        return check_codes("tencent", codes)

    @property
    def configured(self) -> bool:
        return bool(self.secret_id and self.secret_key and self.sdk_app_id)


def sms_template_codes() -> tuple[SmsProvider, dict[str, str]] | None:
    """The SMS provider in use and its template codes per kind; None when no SMS account is set up
    (SMS then stays queued until one is)."""
    provider = DeliverySettings().sms_provider
    try:
        if provider == "aliyun":
            aliyun = AliyunSmsSettings()
            return (provider, aliyun.template_codes) if aliyun.configured else None
        tencent = TencentSmsSettings()
        return (provider, tencent.template_ids) if tencent.configured else None
    except ValidationError as exc:  # a misconfigured deployment (the worker refuses to start): no SMS now
        detail = "; ".join(str(e.get("msg", "")) for e in exc.errors())
        raise NoSmsTemplateCode(f"短信模板编号配置有误，暂不能发送短信：{detail}", field="kind") from None

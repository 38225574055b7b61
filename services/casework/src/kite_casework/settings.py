"""Casework's settings from the environment (pydantic-settings)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CaseworkSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KITE_CASEWORK_", extra="ignore")

    follow_up_attempts: int = Field(default=3, ge=1, description="回访多少次联系不上后，负责人可以“无法联系”结案")
    idempotency_key_retention_hours: int = Field(
        default=168,
        ge=1,
        description="Idempotency-Key 保留多少小时（默认 7 天）：过期后同一 Key 再次提交会登记新的诉求；"
        "外部系统编号（source_system + external_reference）永不过期",
    )
    idempotency_purge_interval_s: float = Field(default=3600.0, gt=0, description="多久清理一次过期的 Idempotency-Key")
    idempotency_purge_batch_size: int = Field(default=5000, ge=1, le=100_000, description="每个事务删除的过期 Key 数")

    @property
    def idempotency_key_retention(self) -> timedelta:
        return timedelta(hours=self.idempotency_key_retention_hours)

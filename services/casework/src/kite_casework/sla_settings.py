"""Settings of the deadline watch (限时办结), from the environment (KITE_CASEWORK_SLA_*)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SlaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KITE_CASEWORK_SLA_", extra="ignore")

    warn_fraction: float = Field(
        default=0.8,
        gt=0,
        lt=1,
        description="预警时点：已用时限的比例（0.8 即用去八成时间时预警）；只影响此后开始计时的截止时间",
    )
    watch_enabled: bool = Field(default=True, description="本副本是否运行截止时间巡检（consume 角色）")
    poll_interval_s: float = Field(default=1.0, gt=0, description="没有到期事项时，多久再查一次")
    batch_size: int = Field(default=200, ge=1, le=5000, description="每个事务认领的到期诉求数")

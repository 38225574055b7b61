"""Casework's settings from the environment (pydantic-settings)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CaseworkSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KITE_CASEWORK_", extra="ignore")

    follow_up_attempts: int = Field(default=3, ge=1, description="回访多少次联系不上后，负责人可以“无法联系”结案")

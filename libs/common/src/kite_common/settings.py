"""Settings from the environment, one class per concern (pydantic-settings)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class DatabaseSettings(BaseSettings):
    """Where a service's own PostgreSQL database is."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:5432/kite",
        description="asyncpg DSN of this service's own database",
    )
    database_pool_min: int = 1
    database_pool_max: int = 10
    database_statement_timeout_ms: int = 30_000


class KafkaSettings(BaseSettings):
    """How to reach the Kafka-protocol broker."""

    model_config = SettingsConfigDict(env_prefix="KAFKA_", extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"
    # Tansu (the local broker) rejects idempotent producers; real Kafka accepts them.
    # Exactly-once effects come from the consumers' inbox either way.
    enable_idempotence: bool = False
    compression_type: str | None = "gzip"
    # Prefixes every topic name; tests use it to keep their topics apart.
    topic_prefix: str = ""
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None


class RelaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KITE_RELAY_", extra="ignore")

    batch_size: int = 500
    poll_interval_s: float = 1.0
    lock_retry_s: float = 2.0


class ConsumerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KITE_CONSUMER_", extra="ignore")

    max_attempts: int = 3  # for failures that repeat (a broken message); transient ones retry until they pass
    batch_size: int = 200
    # How long the broker may hold a fetch that found nothing new: a new event waits up to about this
    # long to be seen (the client's default, 500 ms, added ~90 ms per hop on the local broker).
    fetch_max_wait_ms: int = 100
    retry_backoff_s: float = 0.2
    transient_backoff_max_s: float = 30.0  # the longest wait between retries of a transient failure


class AuthSettings(BaseSettings):
    """JWT verification: a shared secret (HS256), a PEM public key, and/or JWKS URLs (comma-separated;
    RS256/ES256 tokens whose `kid` names one of their keys). `issuer` may list several, comma-separated."""

    model_config = SettingsConfigDict(env_prefix="KITE_AUTH_", extra="ignore")

    jwt_secret: SecretStr | None = None
    jwt_public_key: str | None = None
    jwks_url: str | None = None
    jwks_ttl_s: float = 300.0
    jwks_min_refetch_s: float = 5.0  # an unknown kid refetches, but not more often than this
    issuer: str = "kite"
    audience: str = "kite"
    algorithms: list[str] = Field(default_factory=lambda: ["HS256", "RS256", "ES256"])


class CryptoSettings(BaseSettings):
    """Keys for personal data at rest.

    `data_keys` is `id:base64key,id:base64key`; the first is used to encrypt, all decrypt.
    `hash_key` keys the blind index used to find a value without decrypting.
    """

    model_config = SettingsConfigDict(env_prefix="KITE_CRYPTO_", extra="ignore")

    data_keys: SecretStr | None = None
    hash_key: SecretStr | None = None


class HttpSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KITE_HTTP_", extra="ignore")

    host: str = "0.0.0.0"  # noqa: S104 - a container listens on all interfaces
    port: int = 8000
    max_body_bytes: int = 1_048_576
    # Requests a client system (a token with scopes) may make per minute per API process; 0 = no limit.
    client_requests_per_minute: int = 600
    drain_seconds: float = 5.0


class TelemetrySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KITE_OTEL_", extra="ignore")

    # "none" (default), "otlp" (OTEL_EXPORTER_OTLP_* variables apply) or "console".
    exporter: str = "none"
    # Share of new traces recorded when an exporter is set; a sampled parent is always followed.
    sample_ratio: float = 1.0
    # One span per SQL statement: useful when chasing a slow query, costly on every request.
    sql_spans: bool = False
    log_level: str = "INFO"


class WebhookSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KITE_WEBHOOK_", extra="ignore")

    signing_secret: SecretStr | None = None
    max_attempts: int = 5
    backoff_initial_s: float = 0.5
    timeout_s: float = 5.0
    # CIDRs (comma-separated) a webhook may reach although they are not public, e.g. "10.20.0.0/16";
    # loopback, private, link-local and metadata addresses are refused unless listed here.
    allowed_networks: str = ""


@lru_cache
def kafka_settings() -> KafkaSettings:
    return KafkaSettings()

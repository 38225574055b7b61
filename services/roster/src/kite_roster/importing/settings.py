"""Settings of bulk imports (environment: KITE_IMPORT_*)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ImportSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KITE_IMPORT_", extra="ignore")

    max_bytes: int = 512 * 1024 * 1024  # an upload over this is refused (413)
    batch_rows: int = 10_000  # rows per transaction: larger ones aggregate more ledger counters per upsert
    chunk_bytes: int = 1024 * 1024  # the upload is kept in PostgreSQL in chunks of this size
    poll_interval_s: float = 1.0  # how often an idle worker looks for queued jobs
    max_attempts: int = 5  # a job interrupted this often is failed rather than tried again
    # A file this large is read in processes of their own, each making every n-th batch (parsing,
    # checking, sealing and preparing take more CPU than writing); a smaller one in a thread, sparing
    # the processes' start (about a second).
    reader_process_min_bytes: int = 16 * 1024 * 1024
    reader_processes: int = Field(default=2, ge=1, le=16)

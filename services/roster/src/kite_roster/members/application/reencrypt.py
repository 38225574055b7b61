"""Use case: re-encrypt the roster's personal values under the active data key (key rotation): the
shared rotation (`kite_common.privacy.rotation`) over the roster's encrypted columns."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kite_common.db.types import Connection
from kite_common.privacy import FieldProtector
from kite_common.privacy.rotation import EncryptedColumn, Plan, ReencryptReport, RotationRefused
from kite_common.privacy.rotation import reencrypt as rotate

from kite_roster.members.adapters.pii_vault import ENCRYPTED_COLUMNS

__all__ = ["Plan", "ReencryptReport", "RotationRefused", "reencrypt"]


async def reencrypt(
    conn: Connection,
    protector: FieldProtector,
    *,
    columns: Sequence[EncryptedColumn] = ENCRYPTED_COLUMNS,
    batch_size: int = 1000,
    dry_run: bool = False,
    rehash: bool = False,
    on_plan: Callable[[Plan], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> ReencryptReport:
    return await rotate(
        conn,
        protector,
        columns=columns,
        batch_size=batch_size,
        dry_run=dry_run,
        rehash=rehash,
        on_plan=on_plan,
        on_batch=on_batch,
    )

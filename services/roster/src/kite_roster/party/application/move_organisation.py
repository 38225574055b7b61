"""Use case: hang an organisation (with everything below it) under another parent, or make it a root.

Moves take the tree-wide lock and hold the organisation's row FOR UPDATE, so two moves can never make
a cycle between them (see adapters/organisation_tree.py)."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.party.adapters.organisation_tree import lock_tree, subtree_height
from kite_roster.party.application.organisation_common import locked_row, organisation_for_write, parent_for_write


@command
async def move_organisation(
    uow: UnitOfWork,
    principal: Principal,
    organisation_id: uuid.UUID,
    new_parent_id: uuid.UUID | None,
    if_match: int | None,
) -> None:
    async with uow:
        await lock_tree(uow.conn)
        row = await locked_row(uow.conn, principal, organisation_id)
        org = await organisation_for_write(uow, principal, organisation_id, if_match)
        parent = None if new_parent_id is None else await parent_for_write(uow.conn, principal, new_parent_id)
        org.move(parent, await subtree_height(uow.conn, row), principal.subject)
        await uow.save(org)

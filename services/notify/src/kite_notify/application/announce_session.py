"""Use case: roster's `org-life-session-planned` becomes a broadcast to the branch's party members
(and a post to its group robots, as any broadcast to an organisation): the same `schedule_broadcast`
the broadcast API uses, its text written with the `org-life-planned` template of the branch's place
in each language an office has saved (members of other languages get the Chinese, as with any
broadcast). Handled in the consumer's inbox transaction, so a redelivered event schedules nothing
again; the fan-out worker then reaches each member once."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.unit_of_work import UnitOfWork

from kite_notify.adapters import organisations, template_store
from kite_notify.application.broadcasts import schedule_broadcast
from kite_notify.domain.languages import LANGUAGES
from kite_notify.domain.notice_values import announcement_values
from kite_notify.domain.source_events import OrgLifeSessionPlanned
from kite_notify.domain.templates import TemplateText, render_some

KIND = "org-life-planned"
CHANNEL = "in_app"


async def announce_session(uow: UnitOfWork, planned: OrgLifeSessionPlanned, now: datetime) -> uuid.UUID:
    """Returns the broadcast's id."""
    # The branch's own registration may still be on its way on another partition: its place is known.
    await organisations.ensure(uow.conn, planned.organisation_id, planned.division_code)
    book = await template_store.load_book(uow.conn, [KIND], [CHANNEL], LANGUAGES, [planned.division_code])
    values = announcement_values(planned)
    texts: dict[str, TemplateText] = {}
    for language in LANGUAGES:
        template = book.choose(KIND, CHANNEL, language, planned.division_code)
        if template is not None and template.language == language:
            texts[language] = TemplateText(render_some(template.title, values), render_some(template.body, values))
    branch = Principal(f"roster:org-life-session/{planned.session_id}", frozenset(), planned.division_code)
    return await schedule_broadcast(uow, branch, None, True, texts, None, now, organisation_id=planned.organisation_id)

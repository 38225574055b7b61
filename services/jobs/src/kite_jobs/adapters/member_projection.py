"""Jobs' own copy of roster members, in the `members` table, kept from roster.events.

It follows a member's registration, edits (name, skills), moves (city, employer) and
deregistration, after which the member is no longer matched to postings. Which roster events matter
and the version guard (an older event never overwrites a newer one) are kite_common's member mirror;
jobs says which columns it keeps and how it normalises them: skills the way postings require them,
cities trimmed (matching compares them as they are).
"""

from __future__ import annotations

from kite_common.mirror import MemberMirror, MirrorTable
from kite_common.mirror.roster_members import MEMBER_COLUMNS

from kite_jobs.domain.rules import normalise_skills

MIRROR = MemberMirror(
    MirrorTable(
        table="members",
        key="member_id",
        version_column="version",
        columns=MEMBER_COLUMNS - {"registered_by", "deregistered_reason"},
        transforms={"skills": normalise_skills, "current_city": str.strip},
    )
)

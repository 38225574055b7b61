"""Intake (受理渠道) and the places a case belongs to.

A case arrives through a channel, each with the Chinese label people see. A case from another
government system (a 12345 hotline platform, say) carries that system's name and its own reference,
and the pair names one case only.

A case has the member's home place (`origin_division_code`, from the member directory) and may have
the place where they work (`work_division_code`: the out-station branch or station, e.g. 3301 杭州).
Staff of either see it and either may own it. Counting never doubles it: at any level of the
division tree a case counts once for each distinct place it has there (`counted_places`), so a
province holding both places counts it once, and two provinces count it once each.
"""

from __future__ import annotations

import re
from enum import StrEnum

from kite_common.domain import RuleViolation


class Channel(StrEnum):
    APP = "app"
    HOTLINE = "hotline"
    STATION = "station"
    WALK_IN = "walk_in"
    WECHAT = "wechat"
    SYSTEM_REFERRAL = "system_referral"

    @property
    def label(self) -> str:
        return _CHANNEL_LABELS[self]


_CHANNEL_LABELS = {
    Channel.APP: "找政府App",
    Channel.HOTLINE: "服务热线",
    Channel.STATION: "服务站",
    Channel.WALK_IN: "来访",
    Channel.WECHAT: "微信",
    Channel.SYSTEM_REFERRAL: "其他系统转来",
}
# What a member opening their own case may say it came through.
MEMBER_CHANNELS = frozenset({Channel.APP, Channel.WECHAT})

_DIVISION_CODE = re.compile(r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$")


def division_code(value: str, field: str) -> str:
    """A place as a division code of 2, 4, 6, 9 or 12 digits (GB/T 2260 levels), or a 422."""
    code = value.strip()
    if not _DIVISION_CODE.match(code):
        raise RuleViolation("区划代码应为2、4、6、9或12位数字（如 3301 表示杭州市）", code="division-code", field=field)
    return code


def external_reference(source_system: str | None, reference: str | None) -> tuple[str, str] | None:
    """Both or neither: the other system's name and its own reference for the matter."""
    source = (source_system or "").strip()
    ref = (reference or "").strip()
    if not source and not ref:
        return None
    if not source:
        raise RuleViolation("填写外部编号时须注明来源系统", code="source-system-required", field="source_system")
    if not ref:
        raise RuleViolation(
            "注明来源系统时须填写外部编号", code="external-reference-required", field="external_reference"
        )
    return source, ref


def counted_places(origin_division_code: str, work_division_code: str | None, level: int) -> frozenset[str]:
    """The places at `level` digits (2 province, 4 city, 6 county…) a case counts for: each distinct
    one once. A work place coarser than the level counts at its own length."""
    places = {origin_division_code[:level]}
    if work_division_code:
        places.add(work_division_code[:level])
    return frozenset(places)

"""The dev users of the local sign-in: each role in each of a few counties (only with dev sign-in on)."""

from __future__ import annotations

from dataclasses import dataclass

COUNTIES = (
    ("530625", "永善县", "云南省昭通市"),
    ("530627", "镇雄县", "云南省昭通市"),
    ("522631", "黎平县", "贵州省黔东南州"),
)
# (key, label, roles): a township service station does registration and casework with one desk.
ROLES = (
    ("station", "便民服务站（登记、受理诉求）", ("registrar", "caseworker")),
    ("caseworker", "诉求受理员", ("caseworker",)),
    ("registrar", "人员登记员", ("registrar",)),
    ("party", "组织部门", ("party-affairs", "viewer")),
    ("employment", "就业服务（岗位、匹配）", ("employment", "viewer")),
    ("pii", "查阅个人信息（留痕）", ("viewer", "pii-reader")),
    ("viewer", "只读查看", ("viewer",)),
    ("hrstation", "人社驿站（核验用人单位）", ("hr-station", "viewer")),
    ("notifier", "通知发布（群发）", ("notifier", "viewer")),
    ("admin", "县级管理员", ("admin",)),
)


@dataclass(frozen=True)
class DevUser:
    key: str
    name: str
    county: str
    county_name: str
    role_label: str
    roles: tuple[str, ...]


DEV_USERS = {
    f"{code}-{role}": DevUser(f"{code}-{role}", f"{county}{label}（开发）", code, prefix + county, label, roles)
    for code, county, prefix in COUNTIES
    for role, label, roles in ROLES
}

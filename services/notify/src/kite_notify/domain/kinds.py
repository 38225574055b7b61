"""The kinds of notification notify sends, and the placeholders a template of each kind may use.

A kind's placeholders are the facts notify knows when it renders that kind (from the source event,
the member directory and the case directory); a template may use only the ones it declares, and may
declare only these. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KindSpec:
    label: str  # how people name the kind
    placeholders: dict[str, str]  # name → what it holds (Chinese), shown by the API
    urgent: bool = False  # a case notice that may break quiet hours when the case is urgent


_NAME = {"name": "人员姓名"}
_CASE = {**_NAME, "category": "诉求类别，如 欠薪"}

KINDS: dict[str, KindSpec] = {
    "welcome": KindSpec("登记欢迎", {**_NAME, "city": "务工城市"}),
    "case-opened": KindSpec("诉求已提交（待受理）", {**_CASE, "deadline": "限时办结的截止时间（北京时间）"}, True),
    "case-accepted": KindSpec("诉求已受理", {**_CASE, "deadline": "限时办结的截止时间（北京时间）"}, True),
    "case-transferred": KindSpec("诉求已转办", _CASE, True),
    "case-resolved": KindSpec("诉求已办结", {**_CASE, "outcome": "办结结果，如 已解决"}, True),
    "case-follow-up-request": KindSpec("回访未联系上，请回复", _CASE, True),
    "certificate-issued": KindSpec("证明已出具", {**_NAME, "title": "证明名称", "office": "出具单位"}),
    "broadcast": KindSpec("群发通知", dict(_NAME)),
    "job-matched": KindSpec("岗位推荐", {**_NAME, "job_title": "岗位名称", "city": "工作城市", "skills": "匹配的技能"}),
    "fair-invitation": KindSpec(
        "招聘会邀约", {**_NAME, "fair_title": "招聘会名称", "held_on": "举办日期", "where": "线上或线下"}
    ),
    "training-enrolment": KindSpec(
        "培训报名成功", {**_NAME, "course_title": "培训班名称", "trade": "工种", "starts_on": "开班日期"}
    ),
    "follow-up-due": KindSpec("稳岗回访提醒", {**_NAME, "months": "就业满几个月", "due_on": "回访日期"}),
    "dues-paid": KindSpec("党费缴纳确认", {**_NAME, "month": "所属月份", "amount": "金额（元）"}),
    "dues-reminder": KindSpec("党费缴纳提醒", {**_NAME, "month": "所属月份"}),
    "org-life-missed": KindSpec(
        "组织生活补课提醒", {**_NAME, "session": "组织生活类别，如 支部党员大会", "topic": "主题", "held_on": "日期"}
    ),
    "org-life-planned": KindSpec(
        "组织生活会前通知（发给支部党员）",
        {
            **_NAME,
            "organisation": "党支部名称",
            "session": "组织生活类别，如 支部党员大会",
            "topic": "主题",
            "starts_at": "召开时间（北京时间）",
            "place": "地点（线上会议为会议号）",
            "mode": "线下或线上",
        },
    ),
    "member-contact-lost": KindSpec(
        "党员失联提醒（发到支部群）",
        {**_NAME, "secretary": "支部书记（或“支部书记”）", "quiet_days": "未联系天数", "last_contact": "最后联系日期"},
    ),
}

# The kinds of notification-created.v1, whose published schema lists them as an enum.
V1_KINDS = ("welcome", "case-opened", "job-matched")

# What a preview fills a placeholder with when the caller gives no value.
SAMPLE_VALUES: dict[str, str] = {
    "name": "张三",
    "city": "杭州",
    "category": "欠薪",
    "deadline": "2025年3月1日 18:00",
    "outcome": "已解决",
    "title": "务工证明",
    "office": "黎平县人力资源和社会保障局",
    "job_title": "电子厂普工",
    "skills": "电工、焊工",
    "fair_title": "2025年春风行动专场招聘会",
    "held_on": "2025年3月8日",
    "where": "线下",
    "course_title": "电工技能培训班",
    "trade": "电工",
    "starts_on": "2025年3月15日",
    "month": "2025年3月",
    "months": "3",
    "due_on": "2025年4月1日",
    "amount": "50.00",
    "session": "支部党员大会",
    "topic": "学习贯彻全会精神",
    "secretary": "李书记",
    "quiet_days": "60",
    "last_contact": "2025年1月5日",
}

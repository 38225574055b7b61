"""Chinese names of the APIs' codes for the forms' choices (the answers carry their own labels)."""

from __future__ import annotations

CATEGORIES = {
    "wage_arrears": "欠薪",
    "work_injury": "工伤",
    "labour_dispute": "劳动争议",
    "medical": "医疗",
    "schooling": "子女就学",
    "social_insurance_proxy": "社保医保代办",
    "certificate": "证明/电子印章",
    "hardship_relief": "困难帮扶",
    "left_behind_family": "留守老人儿童",
    "legal_aid": "法律援助",
    "return_home_business": "返乡创业",
    "other": "其他",
}
URGENCIES = {"critical": "特急", "high": "紧急", "normal": "一般", "low": "不急"}
OUTCOMES = {"resolved": "已解决", "partly_resolved": "部分解决", "unresolvable": "无法解决"}
SATISFACTIONS = {"satisfied": "满意", "neutral": "基本满意", "unsatisfied": "不满意"}
CONTACT_STATUSES = {"": "全部", "in-contact": "联系正常", "lost": "失联"}
MEMBER_STATUSES = {"active": "在册", "deregistered": "已注销", "all": "全部"}
YES_NO = {"": "不限", "true": "是", "false": "否"}
FOLLOW_UP_SATISFACTIONS = {"": "（未联系上时不填）", **SATISFACTIONS}
DEREGISTRATION_REASONS = {"returned-home": "返乡", "deceased": "去世", "moved-away": "迁出", "other": "其他"}

"""Generated members for the benchmark: valid ID numbers (check digits), realistic Chinese names,
real county codes of Guizhou and Hunan with well-formed township and village parts, destination cities
and employers. Deterministic for a given seed; every ID number is distinct."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

COUNTIES = {
    "522631": "黎平县",
    "522632": "榕江县",
    "522633": "从江县",
    "522634": "雷山县",
    "522627": "天柱县",
    "522628": "锦屏县",
    "433123": "凤凰县",
    "433124": "花垣县",
}
CITIES = [
    "杭州",
    "宁波",
    "温州",
    "广州",
    "深圳",
    "东莞",
    "佛山",
    "苏州",
    "无锡",
    "上海",
    "厦门",
    "福州",
    "泉州",
    "贵阳",
]
SURNAMES = (
    "吴杨石龙潘欧王李张刘陈杨黄赵周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金廖贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文"
)
GIVEN = (
    "贵友明华国强建军小红秀英丽娟志勇永福金花玉兰海燕德胜光辉春梅桂芳世昌家林思远雨婷晓东文杰佳怡子涵浩然欣怡"
    "宇航梓萱俊杰诗涵天佑美玲成龙素珍老三银花进宝开富朝阳秋菊冬生"
)
INDUSTRIES = ["制造业", "建筑业", "餐饮服务", "物流运输", "家政服务", "电子装配", "纺织服装", "批发零售", "保安物业"]
SKILLS = ["电工", "焊工", "厨师", "驾驶", "砌筑工", "木工", "缝纫", "叉车", "钢筋工", "月嫂", "电商", "刺绣"]
LANGUAGES = ["侗语", "苗语", "布依语", "土家语"]
KINDS = [
    "电子有限公司",
    "建筑工程有限公司",
    "服装厂",
    "物流有限公司",
    "餐饮管理有限公司",
    "家政服务有限公司",
    "五金制品厂",
    "鞋业有限公司",
]
PREFIXES = ["华", "鑫", "盛", "达", "恒", "宏", "新", "永", "金", "信", "通", "利"]

HEADER = [
    "姓名",
    "性别",
    "身份证号",
    "联系电话",
    "户籍地区划代码",
    "务工地",
    "工作单位",
    "行业",
    "是否党员",
    "技能",
    "语言",
]
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_BIRTH_DAYS = 16_425  # 1961-01-01 .. 2005-12-20
_SEQUENCES = 999


def _check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_number(i: int) -> str:
    """The i-th distinct ID number, spread over counties, birth dates and sequence numbers."""
    space = len(COUNTIES) * _BIRTH_DAYS * _SEQUENCES
    j = (i * 7_919_993 + 12_345) % space  # a permutation of the space (the multiplier is coprime to it)
    county = list(COUNTIES)[j % len(COUNTIES)]
    j //= len(COUNTIES)
    born = date(1961, 1, 1) + timedelta(days=j % _BIRTH_DAYS)
    seq = j // _BIRTH_DAYS + 1
    first17 = f"{county}{born:%Y%m%d}{seq:03d}"
    return first17 + _check_digit(first17)


def employers(rng: random.Random, count: int = 2000) -> list[tuple[str, str]]:
    out = []
    for _ in range(count):
        city = rng.choice(CITIES)
        out.append((city, f"{city}{rng.choice(PREFIXES)}{rng.choice(PREFIXES)}{rng.choice(KINDS)}"))
    return out


def rows(n: int, seed: int = 20_240_301) -> Iterator[list[str]]:
    """People of a village go out together (老乡带老乡): each village sends most of its people to a few
    employers in two or three cities, the rest anywhere."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    jobs = employers(rng)
    villages: dict[str, list[tuple[str, str]]] = {}
    for i in range(n):
        idn = id_number(i)
        township = 100 + rng.randrange(1, 20)
        village = rng.choice((rng.randrange(1, 30), 200 + rng.randrange(1, 60)))
        origin = f"{idn[:6]}{township:03d}{village:03d}"
        usual = villages.get(origin)
        if usual is None:
            usual = villages[origin] = rng.sample(jobs, 4)
        city, employer = rng.choice(usual) if rng.random() < 0.8 else rng.choice(jobs)
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        skills = rng.sample(SKILLS, rng.choice((0, 1, 1, 2)))
        langs = ["普通话"] + ([rng.choice(LANGUAGES)] if rng.random() < 0.4 else [])
        yield [
            rng.choice(SURNAMES) + given,
            "男" if int(idn[16]) % 2 else "女",
            idn,
            f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
            origin,
            city,
            employer if rng.random() < 0.9 else "",
            rng.choice(INDUSTRIES),
            "是" if rng.random() < 0.08 else "否",
            "、".join(skills),
            "、".join(langs),
        ]


def write_csv(path: Path, n: int, encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(rows(n))
    return path


def request_body(row: list[str]) -> dict[str, object]:
    """A generated row as the JSON body of roster's POST /members."""
    name, gender, idn, phone, origin, city, employer, industry, party, skills, languages = row
    return {
        "name": name,
        "id_number": idn,
        "phone": phone,
        "gender": "male" if gender == "男" else "female",
        "origin_division_code": origin,
        "current_city": city,
        "employer": employer or None,
        "industry": industry,
        "is_party_member": party == "是",
        "skills": skills.split("、") if skills else [],
        "languages": languages.split("、") if languages else [],
    }


def request_bodies(seed: int = 20_240_301) -> Iterator[dict[str, object]]:
    """Bodies of distinct members, as many as asked for (every ID number distinct)."""
    for row in rows(10**8, seed):
        yield request_body(row)

"""Realistic synthetic subjects for demos and benchmarks (fictitious people, valid-format ID numbers)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from yunjiao.subjects import choices as c
from yunjiao.subjects.rules import id_check_digit, pinyin_full, pinyin_initials

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔")
GIVEN_M = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林洋峰建国庆东海亮志成文斌"
GIVEN_F = "芳娜敏静丽艳娟霞燕玲婷雪慧琳倩颖洁莉萍红梅琴云秀英兰凤佳欣悦"
CHARGES = [  # (charge, crime type code, weight)
    ("危险驾驶罪", "02", 30), ("盗窃罪", "05", 18), ("诈骗罪", "05", 8), ("故意伤害罪", "04", 8),
    ("交通肇事罪", "02", 7), ("开设赌场罪", "06", 5), ("寻衅滋事罪", "06", 5), ("帮助信息网络犯罪活动罪", "06", 5),
    ("非法吸收公众存款罪", "03", 3), ("掩饰、隐瞒犯罪所得罪", "06", 3), ("走私、贩卖、运输、制造毒品罪", "06", 2),
    ("非法占用农用地罪", "06", 2), ("职务侵占罪", "05", 2), ("受贿罪", "08", 1), ("聚众斗殴罪", "06", 1),
]
CATEGORIES = [(c.Category.PROBATION, 80), (c.Category.PAROLE, 10), (c.Category.TEMPORARY_RELEASE, 7),
              (c.Category.SURVEILLANCE, 3)]
STREETS = ["建设路", "共青团路", "红星路", "太白楼路", "琵琶山路", "古槐路", "吴泰闸路", "洸河路", "运河路", "人民路"]
CN_NUM = "〇一二三四五六七八九"


def _weighted(rng: random.Random, items):
    return rng.choices([i[0] for i in items], weights=[i[-1] for i in items])[0]


def fake_id_number(rng: random.Random, region: str, born: date, sex: str) -> str:
    seq = rng.randint(0, 99)
    sex_digit = rng.choice("13579" if sex == c.Sex.MALE else "02468")
    body = f"{region}{born:%Y%m%d}{seq:02d}{sex_digit}"
    return body + id_check_digit(body)


def fake_phone(rng: random.Random) -> str:
    return rng.choice(["138", "139", "135", "137", "150", "151", "152", "158", "159", "186", "187", "188", "199"]) + \
        f"{rng.randint(0, 99999999):08d}"


def months_cn(months: int) -> str:
    years, rest = divmod(months, 12)
    text = (f"{'一二三四五'[years - 1]}年" if years else "") + (f"{_cn(rest)}个月" if rest else "")
    return text or "一个月"


def _cn(n: int) -> str:
    tens = ["", "十", "二十"]
    return (tens[n // 10] + (CN_NUM[n % 10] if n % 10 else "")) if n >= 10 else CN_NUM[n]


def demo_subject(rng: random.Random, township, *, today: date) -> dict:
    """Plain data for one fictitious subject living in `township` (an Org with a county parent)."""
    county = township.parent
    sex = c.Sex.MALE if rng.random() < 0.86 else c.Sex.FEMALE
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN_M if sex == c.Sex.MALE else GIVEN_F)
                                          for _ in range(rng.choice((1, 2, 2))))
    age = max(16, min(75, int(rng.gauss(38, 11))))
    born = date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
    category = _weighted(rng, CATEGORIES)
    charge, crime_type, _ = rng.choices(CHARGES, weights=[w for *_, w in CHARGES])[0]
    months = rng.choice([6, 8, 10, 12, 12, 18, 24, 24, 36, 36, 48, 60]) if category != c.Category.SURVEILLANCE \
        else rng.choice([3, 6, 12, 24])
    start = today - timedelta(days=rng.randint(0, max(1, months * 30 - 5)))
    end = start + timedelta(days=int(months * 30.44))
    effective = start
    return {
        "name": name, "sex": sex, "birth_date": born,
        "id_number": fake_id_number(rng, county.code, born, sex), "phone": fake_phone(rng),
        "household_type": rng.choice(["01", "02"]),
        "household_address": f"山东省济宁市{county.division_name}{township.division_name}{rng.choice(STREETS)}{rng.randint(1, 300)}号",
        "residence_address": f"山东省济宁市{county.division_name}{township.division_name}{rng.choice(STREETS)}{rng.randint(1, 300)}号",
        "education": rng.choice(["02", "03", "03", "04", "05", "06", "07"]),
        "marital_status": rng.choice(["01", "02", "02", "02", "03"]),
        "political_status": "masses", "employment": rng.choice(["employed", "employed", "unemployed"]),
        "category": category,
        "temporary_release_type": c.TemporaryReleaseType.MEDICAL_PAROLE if category == c.Category.TEMPORARY_RELEASE else "",
        "charges": charge, "crime_type": crime_type,
        "original_penalty": {c.Category.SURVEILLANCE: "05"}.get(category, rng.choice(["03", "03", "04"])),
        "original_term": f"有期徒刑{months_cn(max(6, months // 2))}",
        "deciding_authority_type": "court",
        "deciding_authority": f"{county.division_name}人民法院",
        "judgment_number": f"（{effective.year}）鲁08{rng.randint(1, 99):02d}刑初{rng.randint(1, 999)}号",
        "judgment_date": effective - timedelta(days=rng.randint(5, 20)), "judgment_effective_date": effective,
        "correction_term": months_cn(months), "period_start": start, "period_end": end,
        "supervision_level": rng.choice([c.SupervisionLevel.STRICT, c.SupervisionLevel.NORMAL,
                                         c.SupervisionLevel.NORMAL, c.SupervisionLevel.LENIENT]),
        "risk_level": rng.choice([c.RiskLevel.LOW, c.RiskLevel.LOW, c.RiskLevel.MEDIUM, c.RiskLevel.HIGH]),
        "is_key_subject": rng.random() < 0.05,
    }


def name_keys(name: str) -> tuple[str, str]:
    return pinyin_initials(name), pinyin_full(name)

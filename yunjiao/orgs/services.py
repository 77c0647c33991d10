"""Loading the real org tree of 济宁市 from the shipped division codes."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from yunjiao.orgs.models import Org, OrgLevel

DATA = Path(__file__).resolve().parent / "data" / "jining.csv"
CITY_CODE = "370800"
SKIPPED_COUNTIES = {"370871"}  # 济宁高新技术产业开发区: a zone, not a county (see PROVENANCE.md)

# Short names used in document numbers (文号), e.g. 济任司矫… for 任城区.
COUNTY_SHORT = {
    "370811": "任", "370812": "兖", "370826": "微", "370827": "鱼", "370828": "金", "370829": "嘉",
    "370830": "汶", "370831": "泗", "370832": "梁", "370881": "曲", "370883": "邹",
}


def read_divisions(path: Path = DATA) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def township_office_name(division_name: str) -> str:
    """许庄街道 → 许庄街道司法所; 长沟镇 → 长沟镇司法所."""
    return f"{division_name}司法所"


@transaction.atomic
def load_jining_orgs(path: Path = DATA) -> int:
    """Create or update the city, its 11 counties and their township offices.  Idempotent."""
    rows = read_divisions(path)
    by_code: dict[str, Org] = {o.code: o for o in Org.objects.all()}
    created = 0

    def upsert(code, name, division_name, level, parent, short):
        nonlocal created
        path_ = f"{parent.path}.{code}" if parent else code
        org = by_code.get(code)
        if org is None:
            org = Org.objects.create(code=code, name=name, division_name=division_name, level=level,
                                     parent=parent, path=path_, short_name=short)
            by_code[code] = org
            created += 1
        return org

    city_row = next(r for r in rows if r["code"] == CITY_CODE)
    city = upsert(CITY_CODE, "济宁市司法局", city_row["name"], OrgLevel.CITY, None, "济")
    for r in rows:
        if r["level"] == "county" and r["parent_code"] == CITY_CODE and r["code"] not in SKIPPED_COUNTIES:
            upsert(r["code"], f"{r['name']}司法局", r["name"], OrgLevel.COUNTY, city, COUNTY_SHORT.get(r["code"], ""))
    for r in rows:
        if r["level"] == "township":
            county = by_code.get(r["parent_code"])
            if county is None:
                continue
            upsert(r["code"], township_office_name(r["name"]), r["name"], OrgLevel.TOWNSHIP, county,
                   r["name"][:2])
    return created

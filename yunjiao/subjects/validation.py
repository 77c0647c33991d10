"""Validation of subject data shared by the form, the API and imports (pure functions)."""

from __future__ import annotations

import re
from datetime import date

from yunjiao.subjects import rules
from yunjiao.subjects.choices import Category

_TAG_RE = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
_NAME_RE = re.compile(r"^[\u3400-\u9fff\uf900-\ufaffA-Za-z·•\. ]{1,32}$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

NAME_FIELDS = ("name", "former_name")
TEXT_FIELDS = ("charges", "crime_facts", "prior_record", "work_unit", "deciding_authority", "judgment_number",
               "original_term", "correction_term", "supplementary_penalty", "health_status",
               "mental_health_note", "ethnicity", "household_address", "residence_address")


def text_errors(value: str) -> list[str]:
    if not value:
        return []
    if _TAG_RE.search(value):
        return ["不能包含 HTML 标签或脚本（如 <script>），请只填写文字。"]
    if _CONTROL_RE.search(value):
        return ["包含不可见的控制字符，请重新输入。"]
    return []


def name_errors(value: str) -> list[str]:
    if value and not _NAME_RE.match(value):
        return ["姓名只能包含汉字、字母、间隔号“·”和空格，最长32个字符。"]
    return []


REQUIRED = {"name": "姓名", "sex": "性别", "birth_date": "出生日期", "category": "矫正类别", "charges": "罪名",
            "deciding_authority": "社区矫正决定机关", "period_start": "矫正起始日期", "period_end": "矫正结束日期",
            "id_number": "证件号码"}


def subject_errors(data: dict, *, today: date | None = None, partial: bool = False) -> dict[str, list[str]]:
    """Field → reasons.  `data` holds plain values (dates as date objects).

    `partial=True` (edits) checks only the fields present; otherwise required fields must be there.
    """
    errors: dict[str, list[str]] = {}

    def add(field, msgs):
        if msgs:
            errors.setdefault(field, []).extend(msgs)

    for f, label in REQUIRED.items():
        if (not partial or f in data) and not data.get(f):
            add(f, [f"请填写{label}。"])
    for f in NAME_FIELDS:
        add(f, name_errors(data.get(f) or ""))
    for f in TEXT_FIELDS:
        add(f, text_errors(data.get(f) or ""))
    if data.get("id_type", "resident_id") == "resident_id" and data.get("id_number"):
        add("id_number", rules.id_number_errors(data.get("id_number") or "", birth_date=data.get("birth_date"),
                                                sex=data.get("sex"), today=today))
    add("phone", rules.phone_errors(data.get("phone") or ""))
    add("period_end", rules.period_errors(data.get("period_start"), data.get("period_end")))
    today = today or date.today()
    if data.get("birth_date") and data["birth_date"] > today:
        add("birth_date", ["出生日期不能晚于今天。"])
    if data.get("judgment_effective_date") and data["judgment_effective_date"] > today:
        add("judgment_effective_date", ["判决生效日期不能晚于今天。"])
    if data.get("judgment_date") and data.get("judgment_effective_date") and \
            data["judgment_effective_date"] < data["judgment_date"]:
        add("judgment_effective_date", ["判决生效日期不能早于判决日期。"])
    if data.get("category") == Category.TEMPORARY_RELEASE and not data.get("temporary_release_type"):
        add("temporary_release_type", ["暂予监外执行须选择类型（保外就医/怀孕或哺乳/生活不能自理）。"])
    if data.get("category") and data.get("category") != Category.TEMPORARY_RELEASE and \
            data.get("temporary_release_type"):
        add("temporary_release_type", ["只有暂予监外执行才需要选择此类型。"])
    return errors


PHOTO_MAX_BYTES = 2 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000


def photo_errors(data: bytes, *, size: int | None = None) -> tuple[list[str], str]:
    """Reasons why `data` is not an acceptable ID photo, and its MIME type.

    Judged by content, not by file name: JPEG or PNG magic bytes, then Pillow must decode the image.
    """
    size = len(data) if size is None else size
    if size > PHOTO_MAX_BYTES:
        return [f"照片不能超过 2 MB（当前 {size / 1024 / 1024:.1f} MB），请压缩后重新上传。"], ""
    if size == 0:
        return ["照片文件为空。"], ""
    if data.startswith(b"\xff\xd8\xff"):
        mime, fmt = "image/jpeg", "JPEG"
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        mime, fmt = "image/png", "PNG"
    else:
        return ["照片只能是 JPG 或 PNG 图片（按文件内容判断，与扩展名无关）。"], ""
    from io import BytesIO

    from PIL import Image

    try:
        with Image.open(BytesIO(data)) as img:
            if img.format != fmt:
                raise ValueError(img.format)
            if img.width * img.height > PHOTO_MAX_PIXELS:
                return ["照片像素过大，请缩小后重新上传。"], ""
            img.verify()
    except Exception:  # noqa: BLE001 — any decoder failure means a damaged or disguised file
        return ["照片文件已损坏或不是有效的 JPG/PNG 图片。"], ""
    return [], mime

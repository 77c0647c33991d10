"""Bad input gets a clear Chinese error and stores nothing — through the UI forms and through the API.

Malformed ID numbers (check digit, birth date, sex), end before start, unknown org, oversized or disguised
uploads, SQL and HTML in text fields; Django's own 400 for a malformed request is a Chinese page too.
"""

from __future__ import annotations

import html
from datetime import date
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from yunjiao.audit.models import AuditRecord
from yunjiao.core.testing import make_id_number
from yunjiao.subjects.models import Subject

pytestmark = pytest.mark.django_db

BORN = date(1988, 3, 4)
GOOD_ID = make_id_number(region="370811", born=BORN, sex="male", serial=7)
BAD_CHECK = GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")
OTHER_BIRTH = make_id_number(region="370811", born=date(1988, 3, 5), sex="male", serial=7)
FEMALE_ID = make_id_number(region="370811", born=BORN, sex="female", serial=7)
BAD_DATE_BODY = "37081119881332007"  # month 13
SQL = "盗窃罪'); DROP TABLE subjects_subject; --"
HTML = '<script>alert("x")</script>盗窃罪'
ODD_TEXT = '盗窃罪 3<5 & 2>1 "d" \' OR 1=1 --'


def form_data(cast, **over):
    data = {
        "name": "孙立新", "sex": "male", "birth_date": BORN.isoformat(), "id_number": GOOD_ID,
        "category": "probation", "charges": "危险驾驶罪", "deciding_authority": "济宁市任城区人民法院",
        "period_start": "2026-06-01", "period_end": "2027-06-01", "township": cast.town_a1.pk,
        "residence_address": "任城区许庄街道建设路1号", "nationality": "0101", "id_type": "resident_id",
        "ethnicity": "汉族", "deciding_authority_type": "court", "supervision_level": "strict",
        "risk_level": "medium", "phone": "13905370001",
    }
    data.update(over)
    return data


def api_data(cast, **over):
    data = form_data(cast, township=cast.town_a1.code)
    for key in ("nationality", "id_type", "ethnicity", "deciding_authority_type", "supervision_level", "risk_level"):
        data.pop(key)
    data.update(over)
    return data


def image_bytes(fmt: str = "JPEG", size=(120, 160), noise: bool = False) -> bytes:
    img = Image.new("RGB", size, (200, 180, 160))
    if noise:
        img = Image.frombytes("RGB", size, __import__("os").urandom(size[0] * size[1] * 3))
    buf = BytesIO()
    img.save(buf, fmt, quality=100) if fmt == "JPEG" else img.save(buf, fmt)
    return buf.getvalue()


def oversized_jpeg() -> bytes:
    data = image_bytes("JPEG", size=(1400, 1400), noise=True)
    assert len(data) > 2 * 1024 * 1024
    return data


# (case, overrides, field with the error, expected Chinese message fragment)
BAD_FIELDS = [
    ("id_check_digit", {"id_number": BAD_CHECK}, "id_number", "校验位错误"),
    ("id_too_short", {"id_number": GOOD_ID[:17]}, "id_number", "应为18位"),
    ("id_birth_mismatch", {"id_number": OTHER_BIRTH}, "id_number", "出生日期与身份证号码不一致"),
    ("id_sex_mismatch", {"id_number": FEMALE_ID}, "id_number", "性别与身份证号码不一致"),
    ("id_impossible_date", {"id_number": BAD_DATE_BODY + "X"}, "id_number", "出生日期无效"),
    ("end_before_start", {"period_start": "2026-06-01", "period_end": "2026-05-01"}, "period_end",
     "矫正结束日期必须晚于起始日期"),
    ("html_in_charges", {"charges": HTML}, "charges", "不能包含 HTML 标签"),
    ("html_in_address", {"residence_address": '<img src=x onerror="alert(1)">'}, "residence_address",
     "不能包含 HTML 标签"),
    ("html_in_name", {"name": "<b>张三</b>"}, "name", "姓名只能包含汉字"),
    ("sql_in_name", {"name": "x' OR '1'='1"}, "name", "姓名只能包含汉字"),
    ("bad_phone", {"phone": "12345"}, "phone", "手机"),
    ("future_birth", {"birth_date": "2999-01-01"}, "birth_date", ""),
]


def _counts():
    return Subject.objects.count(), AuditRecord.objects.filter(action__in=["create", "update"]).count()


@pytest.mark.parametrize("case,over,field,fragment", BAD_FIELDS, ids=[c[0] for c in BAD_FIELDS])
def test_form_create_refuses_with_chinese_message(client, cast, case, over, field, fragment):
    client.force_login(cast.officer_a1)
    before = _counts()
    r = client.post(reverse("subjects:create"), form_data(cast, **over))
    assert r.status_code == 200  # the form again, with errors
    form = r.context["form"]
    assert field in form.errors or form.non_field_errors(), form.errors
    text = html.unescape(r.content.decode())
    assert fragment in text
    assert _counts() == before


@pytest.mark.parametrize("case,over,field,fragment", BAD_FIELDS, ids=[c[0] for c in BAD_FIELDS])
def test_api_create_refuses_with_json_code_and_chinese_message(api_client, cast, case, over, field, fragment):
    api_client.force_authenticate(cast.officer_a1)
    before = _counts()
    r = api_client.post("/api/v1/subjects/", api_data(cast, **over), format="json")
    assert r.status_code == 400, r.content
    body = r.json()
    assert body["code"] == "validation"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])
    assert field in body["fields"], body
    assert fragment in " ".join(body["fields"][field])
    assert _counts() == before


@pytest.mark.parametrize("case,over,fragment", [
    ("id_check_digit", {"id_number": BAD_CHECK}, "校验位错误"),
    ("end_before_start", {"period_end": "2025-01-01"}, "矫正结束日期必须晚于起始日期"),
    ("html", {"crime_facts": "<iframe src=//evil>"}, "不能包含 HTML 标签"),
])
def test_form_edit_refuses_and_keeps_the_record(client, cast, case, over, fragment):
    s = cast.subject_a1
    client.force_login(cast.officer_a1)
    page = client.get(reverse("subjects:edit", args=[s.pk]))
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    data.update({k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()})
    data.update(form_data(cast, id_number=s.id_number, name=s.name, birth_date=s.birth_date.isoformat(),
                          period_start=s.period_start.isoformat(), period_end=s.period_end.isoformat()))
    data.update(over)
    before = (Subject.objects.values().get(pk=s.pk), _counts())
    r = client.post(reverse("subjects:edit", args=[s.pk]), data)
    assert r.status_code == 200 and fragment in html.unescape(r.content.decode())
    assert (Subject.objects.values().get(pk=s.pk), _counts()) == before


def test_api_patch_refuses_and_keeps_the_record(api_client, cast):
    s = cast.subject_a1
    api_client.force_authenticate(cast.officer_a1)
    before = Subject.objects.values().get(pk=s.pk)
    for payload, field in [({"id_number": BAD_CHECK}, "id_number"), ({"period_end": "2020-01-01"}, "period_end"),
                           ({"charges": HTML}, "charges"), ({"township": "370899999"}, "township")]:
        r = api_client.patch(f"/api/v1/subjects/{s.pk}/", payload, format="json")
        assert r.status_code == 400 and field in r.json()["fields"], r.content
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["message"])
    assert Subject.objects.values().get(pk=s.pk) == before


# --- unknown org -------------------------------------------------------------------------------------------

def test_form_unknown_or_foreign_township(client, cast):
    client.force_login(cast.officer_a1)
    before = _counts()
    for township in (999999, cast.town_b1.pk, "abc"):
        r = client.post(reverse("subjects:create"), form_data(cast, township=township))
        assert "所选司法所不存在或不在您的管辖范围内" in r.content.decode()
    assert _counts() == before


def test_api_unknown_or_foreign_org(api_client, cast):
    api_client.force_authenticate(cast.officer_a1)
    before = _counts()
    r = api_client.post("/api/v1/subjects/", api_data(cast, township="370811999"), format="json")
    assert r.status_code == 400 and r.json()["code"] == "validation"
    assert "不存在" in r.json()["fields"]["township"][0]
    r = api_client.post("/api/v1/subjects/", api_data(cast, township=cast.town_b1.code), format="json")
    assert r.status_code == 403 and r.json()["code"] == "not_allowed" and "管辖范围" in r.json()["message"]
    r = api_client.post("/api/v1/subjects/", api_data(cast, township=cast.county_a.code), format="json")
    assert r.status_code == 400 and "不存在" in r.json()["fields"]["township"][0]  # not a 司法所
    assert _counts() == before


# --- uploads ------------------------------------------------------------------------------------------------

BAD_UPLOADS = [
    ("oversized", "big.jpg", oversized_jpeg, "不能超过 2 MB"),
    ("text_named_jpg", "photo.jpg", lambda: b"just some text, not an image" * 10, "只能是 JPG 或 PNG"),
    ("gif", "photo.png", lambda: image_bytes("GIF"), "只能是 JPG 或 PNG"),
    ("truncated_png", "photo.png", lambda: image_bytes("PNG")[:60], "已损坏"),
    ("html_named_png", "photo.png", lambda: b"<html><script>alert(1)</script></html>", "只能是 JPG 或 PNG"),
]


@pytest.mark.parametrize("case,filename,make,fragment", BAD_UPLOADS, ids=[c[0] for c in BAD_UPLOADS])
def test_form_bad_photo_is_refused(client, cast, settings, tmp_path, case, filename, make, fragment):
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(cast.officer_a1)
    before = _counts()
    upload = SimpleUploadedFile(filename, make(), content_type="image/jpeg")
    r = client.post(reverse("subjects:create"), {**form_data(cast), "photo": upload})
    assert r.status_code == 200 and fragment in r.content.decode()
    assert _counts() == before
    assert not any(p.is_file() for p in tmp_path.rglob("*"))  # no file left behind either


@pytest.mark.parametrize("case,filename,make,fragment", BAD_UPLOADS, ids=[c[0] for c in BAD_UPLOADS])
def test_api_bad_photo_is_refused(api_client, cast, settings, tmp_path, case, filename, make, fragment):
    settings.MEDIA_ROOT = str(tmp_path)
    api_client.force_authenticate(cast.officer_a1)
    before = _counts()
    upload = SimpleUploadedFile(filename, make(), content_type="image/png")
    r = api_client.post("/api/v1/subjects/", {**api_data(cast), "photo": upload}, format="multipart")
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "validation" and fragment in r.json()["fields"]["photo"][0]
    assert _counts() == before
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_photo_is_stored_encrypted_and_served_only_in_scope(client, cast, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    jpeg = image_bytes("JPEG")
    client.force_login(cast.officer_a1)
    form_page = client.get(reverse("subjects:create")).content.decode()
    assert 'enctype="multipart/form-data"' in form_page and 'type="file" name="photo"' in form_page
    r = client.post(reverse("subjects:create"),
                    {**form_data(cast), "photo": SimpleUploadedFile("x.txt", jpeg, content_type="text/plain")})
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    s = Subject.objects.get(name="孙立新")
    stored = (tmp_path / s.photo.name).read_bytes()
    assert stored != jpeg and not stored.startswith(b"\xff\xd8") and len(stored) == len(jpeg) + 29
    url = reverse("subjects:photo", args=[s.pk])
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg" and r.content == jpeg
    assert "no-store" in r["Cache-Control"]
    assert f'src="{url}"' in client.get(reverse("subjects:detail", args=[s.pk])).content.decode()
    for outsider in (cast.officer_b1, cast.officer_a2, cast.county_b_officer, cast.police_a):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    # replacing the photo by an edit through the API (PNG), the old file goes away after commit
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(cast.officer_a1)
    png = image_bytes("PNG")
    old_name = s.photo.name
    r = api.patch(f"/api/v1/subjects/{s.pk}/", {"photo": SimpleUploadedFile("p.jpg", png)}, format="multipart")
    assert r.status_code == 200, r.content
    s.refresh_from_db()
    assert s.photo_type == "image/png" and s.photo.name != old_name
    client.force_login(cast.officer_a1)
    assert client.get(url).content == png


def test_request_too_large_is_a_chinese_400_page(client, cast, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client.force_login(cast.officer_a1)
    before = _counts()
    r = client.post(reverse("subjects:create"), {**form_data(cast), "crime_facts": "很长" * 10_000})
    assert r.status_code == 400
    body = r.content.decode()
    assert "请求有误" in body and "数据未被修改" in body
    assert _counts() == before


def test_too_many_fields_is_a_chinese_400_page(client, cast, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    client.force_login(cast.officer_a1)
    r = client.post(reverse("subjects:create"), {f"f{i}": "x" for i in range(100)})
    assert r.status_code == 400 and "请求有误" in r.content.decode()


def test_bad_host_header_is_a_chinese_400_page(client):
    r = client.get(reverse("accounts:login"), HTTP_HOST="evil.example.com")
    assert r.status_code == 400 and "请求有误" in r.content.decode()


def test_error_pages_are_chinese(client, cast):
    client.force_login(cast.officer_a1)
    r404 = client.get("/subjects/987654321/")
    assert r404.status_code == 404 and "未找到" in r404.content.decode()
    client.force_login(cast.social_worker_a1)
    r403 = client.get(reverse("subjects:create"))
    assert r403.status_code == 403 and "无权" in r403.content.decode()
    from django.template.loader import render_to_string

    assert "系统错误" in render_to_string("500.html")
    assert "页面已过期" in render_to_string("403_csrf.html")


def test_csrf_failure_page_is_chinese(cast):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(cast.officer_a1)
    r = csrf_client.post(reverse("subjects:create"), form_data(cast))
    assert r.status_code == 403 and "页面已过期" in r.content.decode()


# --- SQL and HTML as plain text ----------------------------------------------------------------------------

def test_sql_and_special_characters_are_stored_as_text_and_rendered_escaped(client, cast):
    client.force_login(cast.officer_a1)
    r = client.post(reverse("subjects:create"), form_data(cast, charges=SQL, crime_facts=ODD_TEXT,
                                                          work_unit="某公司\"; DELETE FROM accounts_user; --"))
    assert r.status_code == 302
    s = Subject.objects.get(name="孙立新")
    assert s.charges == SQL and s.crime_facts == ODD_TEXT  # stored verbatim: parameters, not SQL
    assert Subject.objects.count() == 4  # the table is still there with all rows
    page = client.get(reverse("subjects:detail", args=[s.pk]) + "?tab=sentence").content.decode()
    assert "3&lt;5 &amp; 2&gt;1 &quot;d&quot;" in page and '3<5 & 2>1 "d"' not in page
    assert html.escape(SQL, quote=True) in page
    # search with SQL in the term finds nothing and breaks nothing
    r = client.get(reverse("subjects:list"), {"q": "' OR 1=1 --"})
    assert r.status_code == 200 and list(r.context["object_list"]) == []
    r = client.get(reverse("subjects:suggest"), {"q": "孙"})
    assert "孙立新" in r.content.decode() and "<li><a href=" in r.content.decode()


def test_suggest_escapes_names(client, cast):
    Subject.objects.filter(pk=cast.subject_a1.pk).update(name="<b>李</b>明")  # legacy data, bypassing validation
    client.force_login(cast.officer_a1)
    body = client.get(reverse("subjects:suggest"), {"q": "<b>"}).content.decode()
    assert "&lt;b&gt;李&lt;/b&gt;明" in body and "<b>李" not in body


@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_api_request_too_large_is_json(api_client, cast, settings, fmt):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    api_client.force_authenticate(cast.officer_a1)
    before = _counts()
    r = api_client.post("/api/v1/subjects/", {**api_data(cast), "crime_facts": "很长" * 10_000}, format=fmt)
    assert r.status_code == 400 and r["Content-Type"].startswith("application/json")
    assert r.json()["code"] == "request_too_large" and "数据未被保存" in r.json()["message"]
    assert _counts() == before

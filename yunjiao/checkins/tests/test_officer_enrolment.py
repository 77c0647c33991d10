"""人脸采集 through the officer page, with real photos: accepted, refused per photo with the reason, bad input
refused with nothing stored, history kept on re-enrolment, photos only through the scoped audited view."""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from yunjiao.audit.models import AuditRecord
from yunjiao.checkins import review_services
from yunjiao.checkins.models import FaceEnrolment, FaceTemplate

from .conftest import CLIP_PERSON_PHOTO, DATA, read

pytestmark = pytest.mark.django_db

OBAMA = DATA / "faces" / "fr_obama.jpg"
OBAMA2 = DATA / "faces" / "fr_obama2.jpg"
TWO_PEOPLE = DATA / "faces" / "fr_two_people.jpg"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def stored_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def upload(path, name=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name or path.name, read(path), content_type=content_type)


def post_enrol(client, subject, files, note=""):
    return client.post(reverse("checkins:enrol", args=[subject.pk]), {"photos": files, "note": note})


def test_good_photo_is_enrolled_with_thumbnail_and_history(client, cast, private_media):
    client.force_login(cast.officer_a1)
    r = post_enrol(client, cast.subject_a1, [upload(OBAMA)])
    assert r.status_code == 302
    e = FaceEnrolment.objects.get(subject=cast.subject_a1)
    assert (e.version, e.photo_count, e.is_active, e.created_by) == (1, 1, True, cast.officer_a1)
    # the photo is stored encrypted, never in clear
    files = stored_files(private_media)
    # (no 4-byte marker test: "JFIF" turns up by chance in ~3% of random base64 ciphertexts of this size)
    stored, photo = files[0].read_bytes(), read(OBAMA)
    assert len(files) == 1 and not stored.startswith(b"\xff\xd8")
    assert photo[:64] not in stored and base64.b64encode(photo[:96]) not in stored

    page = client.get(reverse("checkins:enrol", args=[cast.subject_a1.pk])).content.decode()
    assert "人脸登记成功" in page and "第 <b>1</b> 版" in page
    thumb = reverse("checkins:enrolment_photo", args=[e.pk, 0])
    assert thumb in page and "/media/" not in page

    before = AuditRecord.objects.filter(action="read").count()
    img = client.get(thumb + "?size=thumb")
    assert img.status_code == 200 and img["Content-Type"] == "image/jpeg" and img.content[:2] == b"\xff\xd8"
    assert "no-store" in img["Cache-Control"]
    import io

    from PIL import Image

    assert max(Image.open(io.BytesIO(img.content)).size) <= 160
    reads = AuditRecord.objects.filter(action="read").order_by("-seq")
    assert reads.count() == before + 1 and "查看人脸登记照片" in reads.first().summary
    assert reads.first().actor_id == cast.officer_a1.pk and reads.first().subject_id == cast.subject_a1.pk


def test_reenrolment_needs_a_reason_keeps_history_and_old_photos(client, cast):
    client.force_login(cast.officer_a1)
    assert post_enrol(client, cast.subject_a1, [upload(OBAMA)]).status_code == 302
    r = post_enrol(client, cast.subject_a1, [upload(OBAMA2)])
    assert r.status_code == 400 and "重新登记须填写原因" in r.content.decode()
    r = post_enrol(client, cast.subject_a1, [upload(OBAMA2), upload(OBAMA)], note="原照片光线太暗")
    assert r.status_code == 302
    first, second = FaceEnrolment.objects.filter(subject=cast.subject_a1).order_by("version")
    assert (first.is_active, second.is_active, second.photo_count, second.note) == (False, True, 2, "原照片光线太暗")
    page = client.get(reverse("checkins:enrol", args=[cast.subject_a1.pk])).content.decode()
    assert "已停用" in page and "原照片光线太暗" in page and "许庄所员" in page
    # the retired version's photo is still viewable (history), through the scoped view
    assert client.get(reverse("checkins:enrolment_photo", args=[first.pk, 0])).status_code == 200
    audit = AuditRecord.objects.filter(object_type="checkins.FaceEnrolment", action="create").order_by("-seq").first()
    assert "替换第 1 版" in audit.summary


def test_two_faces_are_refused_with_the_reason_per_photo(client, cast, private_media):
    path, reason = TWO_PEOPLE, "张人脸，登记照片只能有本人一人"
    client.force_login(cast.officer_a1)
    r = post_enrol(client, cast.subject_a1, [upload(OBAMA), upload(path)])
    text = r.content.decode()
    assert r.status_code == 400
    assert reason in text and "未保存任何照片" in text
    # per photo: the good one is shown as 合格, the refused one with its reason, next to its file name
    assert "fr_obama.jpg" in text and path.name in text and "合格" in text
    assert not FaceEnrolment.objects.exists() and not FaceTemplate.objects.exists()
    assert stored_files(private_media) == []


def test_photos_of_two_different_people_are_refused(client, cast, private_media):
    client.force_login(cast.officer_a1)
    r = post_enrol(client, cast.subject_a1, [upload(OBAMA), upload(DATA / "faces" / "fr_biden.jpg")])
    assert r.status_code == 400 and "不像同一个人" in r.content.decode()
    assert not FaceEnrolment.objects.exists() and stored_files(private_media) == []


def test_photo_without_a_face_is_refused(client, cast, private_media, tmp_path):
    import cv2
    import numpy as np

    # a real photo with the face region blanked out: a real scene, no face
    img = cv2.imread(str(OBAMA))
    from yunjiao.checkins.face.recognition import detect_faces

    x, y, w, h = (int(v) for v in detect_faces(img)[0].box)
    img[max(0, y - h // 2) : y + h + h // 2, max(0, x - w // 2) : x + w + w // 2] = 128
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    noface = SimpleUploadedFile("noface.jpg", np.asarray(buf).tobytes(), content_type="image/jpeg")
    client.force_login(cast.officer_a1)
    r = post_enrol(client, cast.subject_a1, [noface])
    assert r.status_code == 400 and "没有检测到人脸" in r.content.decode()
    assert not FaceEnrolment.objects.exists() and stored_files(private_media) == []


def test_bad_input_is_refused_and_nothing_stored(client, cast, private_media):
    client.force_login(cast.officer_a1)
    good = read(OBAMA)
    audit_before = AuditRecord.objects.count()
    cases = [
        # corrupt JPEG: truncated upload
        ([SimpleUploadedFile("cut.jpg", good[: len(good) // 2], content_type="image/jpeg")], "数据不完整"),
        # not an image at all
        ([SimpleUploadedFile("x.jpg", b"\xff\xd8\xff\xe0 not really a jpeg", content_type="image/jpeg")], "无法识别或已损坏"),
        # six photos
        ([upload(OBAMA, f"p{i}.jpg") for i in range(6)], "最多上传 5 张登记照片（收到 6 张）"),
        # a 10 MB+ photo (a real JPEG padded after its end marker)
        ([SimpleUploadedFile("big.jpg", good + b"\0" * (10 * 1024 * 1024), content_type="image/jpeg")], "超过 10 MB 上限"),
        # nothing
        ([], "请拍摄或上传 1–5 张本人正面照片"),
    ]
    for files, text in cases:
        r = post_enrol(client, cast.subject_a1, files)
        assert r.status_code == 400, text
        assert text in r.content.decode(), (text, r.content.decode()[:3000])
    assert not FaceEnrolment.objects.exists() and not FaceTemplate.objects.exists()
    assert stored_files(private_media) == []
    assert AuditRecord.objects.count() == audit_before


def test_scoping_enrolment_page_and_photos(client, cast):
    e = review_services.enrol_with_photos(cast.subject_a1, images=[read(CLIP_PERSON_PHOTO)], actor=cast.officer_a1)
    client.force_login(cast.officer_a2)  # 李营 officer: subject_a1 belongs to 许庄
    assert client.get(reverse("checkins:enrol", args=[cast.subject_a1.pk])).status_code == 404
    assert client.post(reverse("checkins:enrol", args=[cast.subject_a1.pk]), {"photos": [upload(OBAMA)]}).status_code == 404
    assert client.get(reverse("checkins:enrolment_photo", args=[e.pk, 0])).status_code == 404
    assert client.get(reverse("checkins:subject_tab", args=[cast.subject_a1.pk])).status_code == 404
    assert FaceEnrolment.objects.filter(subject=cast.subject_a1).count() == 1
    assert not AuditRecord.objects.filter(action="read", actor=cast.officer_a2).exists()
    # the subject's own portal account and a police liaison cannot see biometric images either
    client.force_login(cast.portal_a1)
    assert client.get(reverse("checkins:enrolment_photo", args=[e.pk, 0])).status_code in (302, 403, 404)
    client.force_login(cast.police_a)
    assert client.get(reverse("checkins:enrolment_photo", args=[e.pk, 0])).status_code in (403, 404)
    # the county officer above 许庄 sees it; an index beyond the photos is a 404
    client.force_login(cast.county_a_officer)
    assert client.get(reverse("checkins:enrolment_photo", args=[e.pk, 0])).status_code == 200
    assert client.get(reverse("checkins:enrolment_photo", args=[e.pk, 1])).status_code == 404


def test_social_worker_sees_but_cannot_enrol(client, cast):
    client.force_login(cast.social_worker_a1)
    page = client.get(reverse("checkins:enrol", args=[cast.subject_a1.pk]))
    assert page.status_code == 200 and "enrol-form" not in page.content.decode()
    r = post_enrol(client, cast.subject_a1, [upload(OBAMA)])
    assert r.status_code == 302 and not FaceEnrolment.objects.exists()


def test_subject_tab_is_registered_on_the_record(client, cast):
    client.force_login(cast.officer_a1)
    page = client.get(reverse("subjects:detail", args=[cast.subject_a1.pk])).content.decode()
    assert reverse("checkins:subject_tab", args=[cast.subject_a1.pk]) in page and "信息化核查" in page
    tab = client.get(reverse("checkins:subject_tab", args=[cast.subject_a1.pk])).content.decode()
    assert "未登记" in tab and reverse("checkins:enrol", args=[cast.subject_a1.pk]) in tab


def test_enrolment_without_kept_photos_says_so_instead_of_broken_images(client, cast):
    from yunjiao.checkins import services

    e = services.enroll_face(cast.subject_a1, images=[read(OBAMA)], actor=cast.officer_a1)  # service alone
    client.force_login(cast.officer_a1)
    page = client.get(reverse("checkins:enrol", args=[cast.subject_a1.pk])).content.decode()
    assert "未留存照片" in page and reverse("checkins:enrolment_photo", args=[e.pk, 0]) not in page
    assert client.get(reverse("checkins:enrolment_photo", args=[e.pk, 0])).status_code == 404

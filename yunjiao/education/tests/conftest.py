import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EDUCATION_FACE_CHECKS = False
    return settings.MEDIA_ROOT


def fake_mp4(name="lesson.mp4", size=4096):
    return SimpleUploadedFile(name, MP4_HEAD + b"\x01" * size, content_type="video/mp4")


@pytest.fixture(scope="session")
def real_webm(tmp_path_factory):
    """A 4-second VP8 WebM made by ffmpeg (Debian package), so ffprobe and the browser read it."""
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg 未安装：无法生成测试视频")
    out = tmp_path_factory.mktemp("video") / "lesson.webm"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=4:size=160x120:rate=10",
                    "-c:v", "libvpx", "-b:v", "200k", str(out)], check=True, timeout=60)
    return out.read_bytes()


@pytest.fixture
def video_course(cast):
    from yunjiao.education import services

    course = services.create_course(actor=cast.county_a_officer, org=cast.county_a, title="社区矫正法解读",
                                    kind="video", category="law", hours="1.5", video=fake_mp4(),
                                    duration_seconds=600)
    return services.publish_course(course, actor=cast.county_a_officer)


def file_bytes(data: bytes, name: str):
    return SimpleUploadedFile(name, data)



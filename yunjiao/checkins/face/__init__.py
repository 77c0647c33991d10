"""Face verification and challenge-response liveness for 信息化核查 (pure Python + OpenCV/MediaPipe, no ORM).

Public entry points:
- ``burst.verify_burst(frames, capture_times, challenge, enrolled_templates)`` → ``BurstResult`` (raises only
  ``BurstRejected`` with a reason code for unusable uploads)
- ``recognition.check_enrolment_photo(data)`` → ``EnrolmentCheck`` (quality checks + template)
- ``recognition.cosine``, ``recognition.verdict`` (pass / review / mismatch from settings thresholds)
- ``liveness.random_challenge()``, ``liveness.detect_actions(...)``, ``liveness.ACTION_LABELS``
- ``models_loader.verify_all()`` (sha256 of the ONNX files), ``get_detector/get_recognizer/get_face_mesh``
- ``config.get_config()`` (defaults overridable by ``settings.FACE_VERIFICATION``)
"""

"""人机分离 (the person and the location device apart), judged at a check-in (pure rules).

A check-in proves, by the face check, where the person and the phone are at that moment.  A subject under
electronic monitoring (社区矫正法 art.29) also wears a wristband that reports its own fixes: if the wristband's
latest fix before the check-in places it clearly elsewhere — further away than both accuracy circles plus a
margin — the wristband is not on the person (taken off, left at home, handed to someone).  Only the latest
wristband fix of the ``MAX_AGE_S`` before the check-in is used: an older one says nothing about that moment.
"""

from __future__ import annotations

MARGIN_M = 1000.0  # beyond both accuracy circles: a street or two of slack for urban multipath
MAX_AGE_S = 900.0  # a wristband reports every few minutes; a 15-minute-old fix still describes the moment


def separated(distance_m: float, checkin_accuracy_m: float | None, fix_accuracy_m: float,
              margin_m: float = MARGIN_M) -> bool:
    """Apart only when the distance exceeds both accuracy circles plus the margin (a missing check-in accuracy
    counts as 200 m, as for the geofence verdict)."""
    acc = 200.0 if checkin_accuracy_m is None else max(0.0, checkin_accuracy_m)
    return distance_m > acc + max(0.0, fix_accuracy_m) + margin_m

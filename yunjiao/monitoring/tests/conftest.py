from datetime import timedelta

import pytest
from django.utils import timezone

from yunjiao.core.actors import SYSTEM
from yunjiao.geo import services as geo


def inside_point(adcode="370811"):
    """A point well inside the county (WGS-84 lon, lat)."""
    from shapely.ops import polylabel

    geom = geo.current_catalog().geometries[adcode]
    main = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
    p = polylabel(main, tolerance=0.001)
    return float(p.x), float(p.y)


@pytest.fixture
def wristband(cast):
    return geo.register_device(actor=cast.officer_a1, subject=cast.subject_a1, device_id="WB-A1", kind="wristband")


@pytest.fixture
def fixes_a1(wristband):
    """Six fixes of subject_a1 over the last hour, inside 任城区."""
    lon, lat = inside_point()
    now = timezone.now().replace(microsecond=0)
    items = [{"device_id": "WB-A1", "time": (now - timedelta(minutes=60 - 10 * k)).isoformat(),
              "lon": lon + 0.001 * k, "lat": lat, "accuracy": 12.0, "source": "gps"} for k in range(6)]
    res = geo.ingest_fixes(items, actor=SYSTEM)
    assert res.accepted == 6, res.as_dict()
    return items

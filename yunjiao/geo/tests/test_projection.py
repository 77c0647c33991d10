import numpy as np
import pytest

from yunjiao.geo.projection import LocalProjection, radii


@pytest.mark.parametrize("span_deg,max_rel_err", [(0.3, 1.2e-5), (1.0, 1.2e-4)])
def test_local_projection_lengths_match_ellipsoid_metric(span_deg, max_rel_err):
    """Short segments (≈10 m) anywhere within ±span of the centre keep their ellipsoidal length."""
    p = LocalProjection(116.73, 35.20)
    rng = np.random.default_rng(3)
    lon = rng.uniform(p.lon0 - span_deg, p.lon0 + span_deg, 50000)
    lat = rng.uniform(p.lat0 - span_deg, p.lat0 + span_deg, 50000)
    ang = rng.uniform(0, 2 * np.pi, lon.size)
    dlat = 1e-4 * np.sin(ang)
    dlon = 1e-4 * np.cos(ang)
    x1, y1 = p.forward(lon, lat)
    x2, y2 = p.forward(lon + dlon, lat + dlat)
    m, n = np.vectorize(radii)(lat + dlat / 2)
    true = np.hypot(m * np.radians(dlat), n * np.cos(np.radians(lat + dlat / 2)) * np.radians(dlon))
    assert np.max(np.abs(np.hypot(x2 - x1, y2 - y1) / true - 1)) < max_rel_err


def test_inverse_round_trip():
    p = LocalProjection(116.73, 35.20)
    lon = np.array([115.9, 116.73, 117.6, 117.0])
    lat = np.array([34.4, 35.2, 36.0, 36.67])
    x, y = p.forward(lon, lat)
    lo, la = p.inverse(x, y)
    assert np.abs(lo - lon).max() < 1e-9 and np.abs(la - lat).max() < 1e-9

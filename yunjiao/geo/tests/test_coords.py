"""Coordinate conversions: exactness of the iterative inverses and agreement with independently converted
boundary files (the shared data was converted by another tool; vertices rounded to 1e-6°)."""

import json
from pathlib import Path

import numpy as np
import pytest

from yunjiao.geo import coords

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.mark.parametrize(
    "lon,lat",
    [
        (116.5871, 35.4147),  # 济宁 任城区
        (116.9870, 35.5960),  # 曲阜 孔庙
        (117.1200, 34.6000),  # 微山湖 south
        (121.4737, 31.2304),  # 上海
        (87.6168, 43.8256),  # 乌鲁木齐 (far west: large offset gradient)
        (126.6424, 45.7567),  # 哈尔滨
    ],
)
def test_gcj02_round_trip_exact_below_1e6_metre(lon, lat):
    g = coords.wgs84_to_gcj02(lon, lat)
    back = coords.gcj02_to_wgs84(*g)
    assert coords.haversine_m(lon, lat, *back) < 1e-6
    offset = coords.haversine_m(lon, lat, *g)
    assert 50 < offset < 1000  # GCJ-02 offsets are hundreds of metres in mainland China


@pytest.mark.parametrize("lon,lat", [(116.5871, 35.4147), (116.404, 39.915), (113.2644, 23.1291)])
def test_bd09_round_trip_exact(lon, lat):
    b = coords.wgs84_to_bd09(lon, lat)
    assert coords.haversine_m(lon, lat, *coords.bd09_to_wgs84(*b)) < 1e-6
    g = coords.wgs84_to_gcj02(lon, lat)
    assert coords.haversine_m(*g, *coords.bd09_to_gcj02(*b)) < 1e-6


@pytest.mark.parametrize("lon,lat", [(2.35, 48.85), (-74.0, 40.7), (139.69, 35.68 + 30)])
def test_outside_china_box_gcj02_is_identity(lon, lat):
    g = coords.wgs84_to_gcj02(lon, lat)
    assert float(g[0]) == lon and float(g[1]) == lat


def test_vectorised_batch_matches_scalar_and_is_exact():
    rng = np.random.default_rng(7)
    lon = rng.uniform(115.8, 117.6, 20000)
    lat = rng.uniform(34.4, 36.0, 20000)
    glon, glat = coords.wgs84_to_gcj02(lon, lat)
    wlon, wlat = coords.gcj02_to_wgs84(glon, glat)
    assert np.max(coords.haversine_m(lon, lat, wlon, wlat)) < 1e-6
    s = coords.gcj02_to_wgs84(glon[123], glat[123])
    assert abs(float(s[0]) - wlon[123]) < 1e-12 and abs(float(s[1]) - wlat[123]) < 1e-12


def test_matches_independently_converted_county_boundary():
    """任城区 ring from jining_gcj02.geojson converted here equals jining_wgs84.geojson's (shipped
    conversion, same vertex order up to the ring's starting point) within the files' 1e-6° rounding."""
    w = json.loads((DATA / "jining_wgs84.geojson").read_text())
    g = json.loads((DATA / "jining_gcj02.geojson").read_text())
    fw = next(f for f in w["features"] if f["properties"]["adcode"] == "370811")
    fg = next(f for f in g["features"] if f["properties"]["adcode"] == "370811")
    rw = np.array(fw["geometry"]["coordinates"][0][0])[:-1]
    rg = np.array(fg["geometry"]["coordinates"][0][0])[:-1]
    lon, lat = coords.gcj02_to_wgs84(rg[:, 0], rg[:, 1])
    best = min(range(len(rw)), key=lambda k: np.abs(np.roll(rw, k, axis=0)[:, 0] - lon).max())
    rw = np.roll(rw, best, axis=0)
    assert np.abs(rw[:, 0] - lon).max() < 1.01e-6
    assert np.abs(rw[:, 1] - lat).max() < 1.01e-6


@pytest.mark.parametrize("tag,expected", [("WGS84", "wgs84"), ("gcj-02", "gcj02"), ("bd09ll", "bd09")])
def test_system_tags(tag, expected):
    assert coords.normalise_system(tag) == expected


def test_unknown_system_rejected_in_chinese():
    with pytest.raises(ValueError, match="不支持的坐标系"):
        coords.to_wgs84(116.0, 35.0, "utm")

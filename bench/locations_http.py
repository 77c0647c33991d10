"""End-to-end location ingestion benchmark: HTTP batches → gunicorn (2 workers) → ingest_fixes (validation,
GCJ-02 conversion, idempotency check, geofence engine, bulk insert) → PostgreSQL.

    python bench/locations_http.py [--seconds 30] [--clients 4] [--devices 200]

Prints fixes/s and the CPU used per 1,000 fixes by gunicorn, PostgreSQL and the client.

Uses its own database (``bench_geo``, dropped and re-created), seeds 济宁 orgs, subjects, wristbands,
one gateway token (device_id "*") and the packaged boundaries, then starts gunicorn on a free port and
posts gateway batches of 1,000 fixes (20 devices × 50 one-minute fixes each, 20 % in GCJ-02).  Prints
accepted fixes per second over the timed window.  The client runs on the same 2 cores.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = "bench_geo"
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB}"
PY = str(ROOT / ".venv" / "bin" / "python")
sys.path.insert(0, str(ROOT))


def sh(*args, **kw):
    return subprocess.run(args, check=True, cwd=ROOT, **kw)


def seed(n_devices: int) -> str:
    sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", f"DROP DATABASE IF EXISTS {DB}")
    sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", f"CREATE DATABASE {DB}")
    env = {**os.environ, "DATABASE_URL": DB_URL}
    sh(PY, "manage.py", "migrate", "-v", "0", env=env)
    code = f"""
import json
from yunjiao.core.actors import SYSTEM
from yunjiao.core.testing import make_subject
from yunjiao.orgs.models import Org
from yunjiao.orgs.services import load_jining_orgs
from yunjiao.accounts.services import issue_token
from yunjiao.geo import services
from yunjiao.geo.engine import DATA_DIR
load_jining_orgs()
for f in ("jining_wgs84.geojson", "jinan_wgs84.geojson"):
    services.import_boundaries(json.loads((DATA_DIR / f).read_text()), actor=SYSTEM, source=f)
city = Org.objects.get(code="370800")
counties = list(Org.objects.filter(level="county").order_by("code"))
for i in range({n_devices}):
    s = make_subject(counties[i % len(counties)], name="对象" + str(i))
    services.register_device(actor=SYSTEM, subject=s, device_id="WB%05d" % i, kind="wristband")
_, key = issue_token(actor=SYSTEM, name="bench gateway", kind="device", org=city, device_id="*")
print(key)
"""
    out = subprocess.run([PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def device_homes(n_devices):
    """A home position per device inside its county (WGS-84), from the packaged polygons."""
    sys.path.insert(0, str(ROOT))
    import shapely.ops

    from yunjiao.geo.engine import AreaCatalog

    cat = AreaCatalog.default()
    codes = sorted(k for k in cat.geometries if k.startswith("3708") and k not in ("370800",))
    homes = []
    for i in range(n_devices):
        g = cat.geometries[codes[i % len(codes)]]
        p = shapely.ops.polylabel(max(getattr(g, "geoms", [g]), key=lambda q: q.area), 0.001)
        homes.append((p.x + (i % 7) * 0.002, p.y + (i % 5) * 0.002))
    return homes


def payloads(n_devices, n_batches, start):
    from yunjiao.geo import coords

    homes = device_homes(n_devices)
    out = []
    per_dev = 50
    groups = [list(range(k, min(k + 20, n_devices))) for k in range(0, n_devices, 20)]
    for b in range(n_batches):
        group = groups[b % len(groups)]
        round_ = b // len(groups)
        fixes = []
        for d in group:
            lon0, lat0 = homes[d]
            for m in range(per_dev):
                t = start + timedelta(minutes=round_ * per_dev + m)
                lon, lat = lon0 + 0.0003 * ((m * 7) % 11 - 5), lat0 + 0.0003 * ((m * 3) % 7 - 3)
                system = "gcj02" if m % 5 == 0 else "wgs84"
                if system == "gcj02":
                    glon, glat = coords.wgs84_to_gcj02(lon, lat)
                    lon, lat = float(glon), float(glat)
                fixes.append({"device_id": f"WB{d:05d}", "time": t.isoformat(), "lon": lon, "lat": lat,
                              "accuracy": 8 + m % 30, "system": system, "source": "gps"})
        out.append(json.dumps({"fixes": fixes}).encode())
    return out


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children, from /proc (gunicorn master + workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            pids += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


def postgres_cpu_seconds() -> float:
    """CPU time of every postgres process on this machine (the bench's backends plus background writers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if Path(d, "comm").read_text().strip() not in ("postgres", "postmaster"):
                continue
            fields = Path(d, "stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            continue
    return total


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--devices", type=int, default=200)
    args = ap.parse_args()
    key = seed(args.devices)
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=20)
    bodies = payloads(args.devices, max(600, int(args.seconds * 40)), start)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": DB_URL, "DEBUG": "0", "DB_CONN_MAX_AGE": "600", "LOG_LEVEL": "WARNING",
           "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "yunjiao.wsgi", "-w", "2", "-b",
                               f"127.0.0.1:{port}", "--timeout", "120"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        lock = threading.Lock()
        state = {"next": 0, "accepted": 0, "rejected": 0, "errors": 0, "t_end": None}

        def client():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            while True:
                with lock:
                    i = state["next"]
                    state["next"] += 1
                    if i >= len(bodies) or time.monotonic() > t_stop:
                        return
                conn.request("POST", "/api/v1/locations/batch/", bodies[i],
                             {"Authorization": f"Token {key}", "Content-Type": "application/json"})
                r = conn.getresponse()
                data = r.read()
                with lock:
                    if r.status != 200:
                        state["errors"] += 1
                        if state["errors"] < 3:
                            print("HTTP", r.status, data[:300])
                        continue
                    body = json.loads(data)
                    state["accepted"] += body["accepted"]
                    state["rejected"] += len(body["rejected"])

        # warm-up (not timed): each worker builds its prepared county areas (buffers, raster) once
        warm = 2 * ((args.devices + 19) // 20)
        t_stop = time.monotonic() + 600
        bodies_all = bodies
        bodies = bodies_all[:warm]
        threads = [threading.Thread(target=client) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        bodies = bodies_all
        state.update(accepted=0, rejected=0, errors=0)
        t0 = time.monotonic()
        cpu0 = (cpu_seconds(server.pid), postgres_cpu_seconds(), time.process_time())
        t_stop = t0 + args.seconds
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
        cpu1 = (cpu_seconds(server.pid), postgres_cpu_seconds(), time.process_time())
        state["next"] -= warm
        print(f"load={os.getloadavg()[0]:.1f} clients={args.clients} devices={args.devices} "
              f"batches={state['next']} elapsed={elapsed:.1f}s")
        print(f"accepted {state['accepted']:,} fixes, rejected {state['rejected']}, HTTP errors {state['errors']}: "
              f"{state['accepted'] / elapsed:,.0f} fixes/s")
        if state["accepted"]:
            per_k = [(b - a) / state["accepted"] * 1000 * 1000 for a, b in zip(cpu0, cpu1, strict=True)]
            print(f"CPU ms per 1,000 fixes: gunicorn {per_k[0]:.1f}, postgres {per_k[1]:.1f}, "
                  f"bench client {per_k[2]:.1f} (2 cores = 2,000 ms of CPU per second)")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()

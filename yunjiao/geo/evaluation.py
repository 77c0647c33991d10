"""Replay labelled trajectories (JSONL from ``synth.write_jsonl`` or real, labelled data in the same format)
through the real engine and measure alert quality: precision, recall and time-to-alert of exit alerts.

Matching: an exit alert is correct when it opens during a ground-truth out-of-bounds episode of the same
subject (from the episode's start to 10 minutes after its end); each episode matches at most one alert, so
a second alert for the same episode counts as a false alarm.  Recall is reported for significant episodes
(≥ 500 m beyond the border) that last at least dwell + 15 minutes — "exits longer than the dwell rule" —
and separately for the *observable* ones among them: episodes during which at least ``dwell_fixes`` fixes,
spanning at least ``dwell_minutes``, had their true position (``truth_out_m`` in the data) further outside
than the band plus the accuracy they reported — i.e. the data could reveal the exit under the whole-circle
rule.  Exits seen only through 0.5–2 km network fixes (微山湖 boats) are not observable.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from . import coords, rules
from .engine import AreaCatalog, SubjectContext, SubjectTracker
from .rules import DEFAULT_SETTINGS, GeofenceSettings, Window

MATCH_SLACK_S = 600.0
SCOPE_EXTRA_MIN = 15.0
TICK_S = 300.0


def load_jsonl(lines):
    subjects = {}
    fixes = defaultdict(list)
    episodes = defaultdict(list)
    for line in lines:
        line = line.strip()
        if not line:
            continue
        rec = json.loads(line)
        sid = rec["subject"]
        if rec["type"] == "subject":
            subjects[sid] = rec
        elif rec["type"] == "fix":
            fixes[sid].append(rec)
        elif rec["type"] == "episode":
            episodes[sid].append(rec)
    return subjects, fixes, episodes


@dataclass
class EvalResult:
    settings: GeofenceSettings
    subjects: int = 0
    fixes: int = 0
    exit_alerts: int = 0
    true_alerts: int = 0
    false_alerts: list = field(default_factory=list)
    observable: int = 0
    detected_observable: int = 0
    episodes_in_scope: int = 0
    detected_in_scope: int = 0
    missed_in_scope: list = field(default_factory=list)
    significant: int = 0
    detected_significant: int = 0
    time_to_alert_s: list = field(default_factory=list)
    time_to_alert_overstay_s: list = field(default_factory=list)
    heartbeat_alerts: int = 0
    zone_alerts: int = 0
    discarded_jumps: int = 0
    by_scenario: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))  # alerts, false

    @property
    def precision(self) -> float:
        return self.true_alerts / self.exit_alerts if self.exit_alerts else 1.0

    @property
    def recall(self) -> float:
        return self.detected_in_scope / self.episodes_in_scope if self.episodes_in_scope else 1.0

    def summary(self) -> str:
        tta = np.array(self.time_to_alert_s) / 60 if self.time_to_alert_s else np.array([np.nan])
        tto = np.array(self.time_to_alert_overstay_s) / 60 if self.time_to_alert_overstay_s else np.array([np.nan])
        lines = [
            f"subjects {self.subjects}, fixes {self.fixes}, jumps discarded {self.discarded_jumps}",
            f"exit alerts {self.exit_alerts}: correct {self.true_alerts}, false {len(self.false_alerts)}",
            f"precision {self.precision:.4f}",
            f"recall (significant exits ≥ dwell+{SCOPE_EXTRA_MIN:.0f} min) {self.recall:.4f} "
            f"({self.detected_in_scope}/{self.episodes_in_scope})",
            f"recall (observable exits ≥ dwell+{SCOPE_EXTRA_MIN:.0f} min) "
            f"{self.detected_observable / self.observable if self.observable else 1.0:.4f} "
            f"({self.detected_observable}/{self.observable})",
            f"recall (all significant exits, any length) {self.detected_significant}/{self.significant}",
            f"time-to-alert, unapproved exits (min, from crossing the border): median {np.median(tta):.1f}, "
            f"p90 {np.percentile(tta, 90):.1f}, max {np.max(tta):.1f} (n={len(self.time_to_alert_s)})",
            f"time-to-alert, leave overstays (min, from the approved end; includes the "
            f"{self.settings.window_grace_after_minutes:.0f} min return grace): median {np.median(tto):.1f}, "
            f"max {np.max(tto):.1f} (n={len(self.time_to_alert_overstay_s)})",
            f"heartbeat-loss alerts {self.heartbeat_alerts}, zone alerts {self.zone_alerts}",
            "per scenario (exit alerts / false): "
            + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(self.by_scenario.items())),
        ]
        if self.false_alerts:
            lines.append("false alerts (subject, scenario, opened_at): "
                         + "; ".join(f"{s} {sc} {t:.0f}" for s, sc, t in self.false_alerts[:10]))
        if self.missed_in_scope:
            lines.append("missed (subject, scenario, start, minutes): "
                         + "; ".join(f"{s} {sc} {t:.0f} {m:.0f}" for s, sc, t, m in self.missed_in_scope[:10]))
        return "\n".join(lines)


def evaluate(lines, settings: GeofenceSettings = DEFAULT_SETTINGS, catalog: AreaCatalog | None = None,
             batch: int = 12) -> EvalResult:
    catalog = catalog or AreaCatalog.default()
    subjects, fixes, episodes = load_jsonl(lines)
    res = EvalResult(settings)
    cache: dict = {}
    for sid, meta in subjects.items():
        windows = [Window(w["start"], w["end"], tuple(w["destinations"]), w.get("kind", "leave"), w.get("ref", ""))
                   for w in meta.get("windows", [])]
        trk = SubjectTracker(catalog, SubjectContext(sid, tuple(meta["home"]), windows), settings, area_cache=cache)
        fx = sorted(fixes[sid], key=lambda r: r["t"])
        t = np.array([r["t"] for r in fx])
        lon = np.array([r["lon"] for r in fx])
        lat = np.array([r["lat"] for r in fx])
        acc = np.array([r["accuracy"] for r in fx])
        for system in {r.get("system", "wgs84") for r in fx}:
            m = np.array([r.get("system", "wgs84") == system for r in fx])
            lon[m], lat[m] = coords.to_wgs84(lon[m], lat[m], system)
        events = []
        for k in range(0, len(t), batch):  # replay as a device would send: small batches, clock ticks between
            events += trk.process(t[k:k + batch], lon[k:k + batch], lat[k:k + batch], acc[k:k + batch],
                                  list(range(k, min(k + batch, len(t)))))
            if k + batch < len(t):  # the clock job runs every TICK_S until the next batch arrives
                now = float(t[k + batch - 1]) + TICK_S
                while now < t[k + batch]:
                    events += trk.tick(now)
                    now += TICK_S
        res.subjects += 1
        res.fixes += len(t)
        res.discarded_jumps += trk.jumps.discarded
        alerts = [a for e, a in events if e == "opened"]
        res.heartbeat_alerts += sum(a.kind == rules.RULE_HEARTBEAT for a in alerts)
        res.zone_alerts += sum(a.kind == rules.RULE_ZONE for a in alerts)
        exits = [a for a in alerts if a.kind == rules.RULE_EXIT]
        eps = episodes[sid]
        used = set()
        scenario = meta.get("scenario", "")
        for a in exits:
            res.exit_alerts += 1
            res.by_scenario[scenario][0] += 1
            match = next((i for i, e in enumerate(eps)
                          if i not in used and e["start"] <= a.opened_at <= e["end"] + MATCH_SLACK_S), None)
            if match is None:
                res.false_alerts.append((sid, scenario, a.opened_at))
                res.by_scenario[scenario][1] += 1
            else:
                used.add(match)
                res.true_alerts += 1
        for i, e in enumerate(eps):
            if not e.get("significant", True):
                continue
            res.significant += 1
            res.detected_significant += i in used
            if e["end"] - e["start"] >= (settings.dwell_minutes + SCOPE_EXTRA_MIN) * 60:
                res.episodes_in_scope += 1
                seen = [r["t"] for r in fx if e["start"] <= r["t"] <= e["end"]
                        and r.get("truth_out_m", 0.0) > settings.near_band_m + r["accuracy"]]
                if len(seen) >= settings.dwell_fixes and seen[-1] - seen[0] >= settings.dwell_minutes * 60:
                    res.observable += 1
                    res.detected_observable += i in used
                if i in used:
                    res.detected_in_scope += 1
                    a = next(a for a in exits if e["start"] <= a.opened_at <= e["end"] + MATCH_SLACK_S)
                    overstay = any(abs(e["start"] - w["end"]) < 60 for w in meta.get("windows", []))
                    (res.time_to_alert_overstay_s if overstay else res.time_to_alert_s).append(
                        a.opened_at - e["start"])
                else:
                    res.missed_in_scope.append((sid, scenario, e["start"], (e["end"] - e["start"]) / 60))
    return res

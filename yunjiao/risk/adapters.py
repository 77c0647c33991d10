"""Reading data other apps own, without depending on them being installed yet.

The discipline app (考核奖惩) is built on another branch.  Until it exists, `sanctions_of` returns no
sanctions, and the criteria that read sanctions never trigger; the risk pages say so
(`sanctions_available()` is False).
"""

from __future__ import annotations

from datetime import date

from django.apps import apps

# kinds we understand, mapped from the names the discipline app may use
_KIND_ALIASES = {
    "admonition": "admonition", "训诫": "admonition",
    "warning": "warning", "警告": "warning",
    "police_penalty": "police_penalty", "police_penalty_request": "police_penalty", "治安管理处罚": "police_penalty",
}
_DATE_FIELDS = ("decided_on", "decision_date", "effective_date", "date", "decided_at", "created_at")


def _sanction_model():
    for name in ("Sanction", "SanctionDecision"):
        try:
            return apps.get_model("discipline", name)
        except LookupError:
            continue
    return None


def sanctions_available() -> bool:
    return _sanction_model() is not None


def sanctions_of(subject, today: date) -> list[tuple[str, int]]:
    """[(kind, days_ago)] of the subject's decided sanctions; [] when the discipline app is absent."""
    model = _sanction_model()
    if model is None:
        return []
    fields = {f.name for f in model._meta.get_fields()}
    date_field = next((f for f in _DATE_FIELDS if f in fields), None)
    kind_field = "kind" if "kind" in fields else ("type" if "type" in fields else None)
    if date_field is None or kind_field is None or "subject" not in fields:
        return []
    out = []
    for kind, when in model._default_manager.filter(subject=subject).values_list(kind_field, date_field):
        if when is None:
            continue
        day = when.date() if hasattr(when, "date") and callable(when.date) else when
        out.append((_KIND_ALIASES.get(kind, kind), (today - day).days))
    return out


def sanction_rows(subjects, start: date, end: date) -> list[dict]:
    """Sanctions of these subjects decided in [start, end], for the meeting pack."""
    today = end
    rows = []
    for s in subjects:
        for kind, days_ago in sanctions_of(s, today):
            if days_ago <= (end - start).days:
                rows.append({"subject": s.name, "subject_id": s.pk, "kind": kind, "days_ago": days_ago})
    return rows

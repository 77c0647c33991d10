"""The scope matrix: every role × every list / detail / write endpoint and page of the registry and the apps
built on it.  Objects of another branch answer 404 (writes refused, nothing stored); same-branch objects work.

Objects are built for two subjects of different counties (subject_a1 in 任城区/许庄, subject_b1 in 兖州区) by
a generic builder (required fields filled from the model) or, where a real state machine is involved, by the
app's service.  URLs are discovered from the URLconf: every `<pk>` route of the covered apps whose view names a
model must appear in the matrix (`test_every_object_route_is_in_the_matrix`), so a new route cannot slip by.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import models
from django.db.models import NOT_PROVIDED
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from yunjiao.audit.models import AuditRecord
from yunjiao.core.actors import SYSTEM
from yunjiao.subjects.models import Subject

pytestmark = pytest.mark.django_db

ROLES = ["city_admin", "city_officer", "county_a_head", "county_a_officer", "county_b_officer", "officer_a1",
         "officer_a2", "officer_b1", "social_worker_a1", "police_a"]
# role → subjects of its branch (police liaisons see only what dispatch/risk grant them explicitly)
BRANCH = {
    "city_admin": {"subject_a1", "subject_a2", "subject_b1"},
    "city_officer": {"subject_a1", "subject_a2", "subject_b1"},
    "county_a_head": {"subject_a1", "subject_a2"},
    "county_a_officer": {"subject_a1", "subject_a2"},
    "county_b_officer": {"subject_b1"},
    "officer_a1": {"subject_a1"},
    "officer_a2": {"subject_a2"},
    "officer_b1": {"subject_b1"},
    "social_worker_a1": {"subject_a1"},
    "police_a": set(),
}
COVERED_APPS = {"subjects", "orgs", "audit", "anomalies", "documents", "workflows", "leave", "education", "risk",
                "dispatch"}


# --- building one object of a model for a subject ---------------------------------------------------------

def _value(field, subject, officer, made):
    if isinstance(field, models.ForeignKey | models.OneToOneField):
        rel = field.related_model
        if rel is Subject:
            return subject
        if rel._meta.label == "orgs.Org":
            return subject.township
        if rel._meta.label == "accounts.User":
            return officer
        return build(rel, subject, officer, made)
    if field.name.endswith("org_path"):
        return subject.org_path
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.FileField):
        return ContentFile(b"%PDF-1.4 scope matrix\n", name="matrix.pdf")
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return timezone.localdate()
    if isinstance(field, models.DecimalField):
        return Decimal("1")
    if isinstance(field, models.IntegerField | models.FloatField):
        return 1
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.CharField | models.TextField):
        text = f"矩阵{next(_SEQ)}"
        return text[: field.max_length] if field.max_length else text
    raise NotImplementedError(f"{field.model.__name__}.{field.name}")


_SEQ = itertools.count(1)


def build(model, subject, officer, made=None):
    """A row of `model` belonging to `subject` (required fields only)."""
    made = made if made is not None else {}
    key = (model, subject.pk)
    if key in made:
        return made[key]
    if model._meta.label == "workflows.Case":
        from yunjiao.workflows import services as wf

        obj = wf.start_case("discharge", "open", actor=SYSTEM, subject=subject)
        made[key] = obj
        return obj
    if model._meta.label == "risk.RiskMeeting":  # the meeting pack is computed by the service
        from yunjiao.risk.meetings import create_meeting

        today = timezone.localdate()
        obj = create_meeting(org=subject.township, period_start=today - timedelta(days=30), period_end=today,
                             actor=officer)
        made[key] = obj
        return obj
    kwargs = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            continue
        required = not f.null and not f.blank and f.default is NOT_PROVIDED
        always = f.name.endswith("org_path") or (f.is_relation and f.related_model in (Subject,)) \
            or isinstance(f, models.FileField)  # downloads need a file to answer 200
        if required or always or (f.is_relation and f.related_model._meta.label == "orgs.Org" and not f.null):
            kwargs[f.name] = _value(f, subject, officer, made)
    obj = model(**kwargs)
    for f in model._meta.concrete_fields:
        if isinstance(f, models.FileField) and f.name in kwargs:
            content = kwargs[f.name]
            getattr(obj, f.name).save(content.name, content, save=False)
    if model._meta.label == "documents.CaseFileExport":
        obj.status = "done"  # a finished export, so its download answers 200 in its own branch
    obj.save()
    made[key] = obj
    return obj


# --- the routes ---------------------------------------------------------------------------------------------

def _walk(patterns, ns=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, p.namespace or ns)
        elif isinstance(p, URLPattern):
            yield p, ns


def _object_routes():
    """(url name, model label, methods) for every pk route of the covered apps whose view names a model."""
    routes = {}
    for p, ns in _walk(get_resolver().url_patterns):
        cls = getattr(p.callback, "view_class", None) or getattr(p.callback, "cls", None)
        if cls is None or "pk" not in p.pattern.regex.groupindex or "format" in p.pattern.regex.groupindex:
            continue
        model = getattr(cls, "model", None) or getattr(getattr(cls, "queryset", None), "model", None)
        if model is None or model._meta.app_label not in COVERED_APPS:
            continue
        actions = getattr(p.callback, "actions", None)
        if actions:
            methods = tuple(sorted(m.upper() for m in actions if m in ("get", "post", "patch", "put")))
        else:
            methods = tuple(m.upper() for m in ("get", "post") if hasattr(cls, m) and m in cls.http_method_names)
        extra = {k for k in p.pattern.regex.groupindex if k != "pk"}
        name = f"{ns}:{p.name}" if ns else p.name
        routes[name] = (model._meta.label, methods, extra)
    return routes


ROUTES = _object_routes()
# routes that take another argument besides pk: a valid value for it
EXTRA_ARGS = {
    "documents:generate": {"code": "discharge_certificate"},
    "documents:case_file": {"archive": "enforcement"},
    "workflows:fire": {"name": "confirm"},
}
PAGE_CASES = sorted(ROUTES)


def _url(name, obj):
    kwargs = {"pk": obj.pk, **EXTRA_ARGS.get(name, {})}
    return reverse(name, kwargs=kwargs)


def _objects(cast, label):
    """(object of subject_a1's branch, object of subject_b1's branch) for a model label."""
    from django.apps import apps

    model = apps.get_model(label)
    if model is Subject:
        from yunjiao.subjects.services import _store_photo

        for s in (cast.subject_a1, cast.subject_b1):  # so that subjects:photo has something to serve
            _store_photo(s, b"\x89PNG\r\n\x1a\n matrix", "image/png")
            s.save(update_fields=["photo", "photo_type"])
        return cast.subject_a1, cast.subject_b1
    made = {}
    return (build(model, cast.subject_a1, cast.officer_a1, made), build(model, cast.subject_b1, cast.officer_b1, made))


def _fingerprint(obj):
    row = type(obj)._default_manager.filter(pk=obj.pk).values().first()
    return row, AuditRecord.objects.exclude(action__in=["read", "login"]).count(), Subject.objects.count()


def test_every_object_route_is_in_the_matrix():
    apps_seen = {name.split(":")[0] for name in ROUTES if ":" in name}
    for app in ("subjects", "anomalies", "documents", "workflows", "leave", "education", "risk", "dispatch"):
        assert app in apps_seen or any(label.startswith(app + ".") for label, _, _ in ROUTES.values()), app
    for name, (_, _, extra) in ROUTES.items():
        assert extra <= set(EXTRA_ARGS.get(name, {})), f"{name} needs a value for {extra} in EXTRA_ARGS"


@pytest.mark.parametrize("route", PAGE_CASES)
def test_object_route(client, cast, route, settings, tmp_path):
    """Every role against this route: one test per route (the cast is built once), a message per role."""
    settings.MEDIA_ROOT = str(tmp_path)
    label, methods, _ = ROUTES[route]
    obj_a, obj_b = _objects(cast, label)
    for role in ROLES:
        _check_route(client, cast, route, role, methods, label, obj_a, obj_b)


def _check_route(client, cast, route, role, methods, label, obj_a, obj_b):
    user = getattr(cast, role)
    client.force_login(user)
    for obj, owner in ((obj_a, "subject_a1"), (obj_b, "subject_b1")):
        visible = type(obj)._default_manager.visible_to(user).filter(pk=obj.pk).exists()
        in_branch = owner in BRANCH[role]
        # the queryset itself: never another branch's row (police: only explicit grants, never another county)
        if role == "police_a":
            assert not visible or owner == "subject_a1", f"police_a sees {label} of 兖州区"
        else:
            assert visible == in_branch, f"{role} visible_to {label} of {owner}: {visible}"
        url = _url(route, obj)
        if "GET" in methods:
            status = client.get(url).status_code
            if visible:
                assert status not in (404, 500), f"{role} GET {url} ({owner}, own branch) → {status}"
            else:
                assert status in (404, 403), f"{role} GET {url} ({owner}, other branch) → {status}"
                if status == 403:  # refused by role for the page as such: same answer for its own branch
                    assert client.get(_url(route, obj_a if obj is obj_b else obj_b)).status_code in (403, 404)
        for method in [m for m in methods if m != "GET"]:
            if visible:
                continue  # same-branch writes are each app's own tests (they need real data)
            before = _fingerprint(obj)
            send = getattr(client, method.lower())
            if ":" in route:
                r = send(url, {"note": "越权", "reason": "越权", "state": "closed"})
            else:
                r = send(url, {"note": "越权", "reason": "越权", "state": "closed"}, content_type="application/json")
            assert r.status_code in (404, 403), f"{role} {method} {url} ({owner}, other branch) → {r.status_code}"
            assert _fingerprint(obj) == before, f"{role} {method} {url} changed data"


# --- lists: pages and API ------------------------------------------------------------------------------------

LIST_PAGES = {  # url name → model label of the rows
    "subjects:list": "subjects.Subject",
    "anomalies:list": "anomalies.Anomaly",
    "workflows:list": "workflows.Case",
    "leave:list": "leave.Leave",
    "leave:transfers": "leave.Transfer",
    "risk:proposals": "risk.Proposal",
    "risk:meetings": "risk.RiskMeeting",
    "risk:key_subjects": "subjects.Subject",
    "dispatch:list": "dispatch.DispatchOrder",
    "education:courses": "education.Course",
    "education:events": "education.Event",
    "audit:list": "audit.AuditRecord",
}
LIST_API = {
    "subject-list": "subjects.Subject",
    "anomaly-list": "anomalies.Anomaly",
    "case-list": "workflows.Case",
    "document-list": "documents.Document",
    "leave-list": "leave.Leave",
    "transfer-list": "leave.Transfer",
    "risk-warning-list": "risk.Warning",
    "risk-proposal-list": "risk.Proposal",
    "dispatch-order-list": "dispatch.DispatchOrder",
    "education-course-list": "education.Course",
    "education-event-list": "education.Event",
}


def _list_objects(cast, label):
    if label == "audit.AuditRecord":
        from yunjiao.audit import services as audit

        return (audit.record(cast.officer_a1, "update", cast.subject_a1, summary="矩阵A"),
                audit.record(cast.officer_b1, "update", cast.subject_b1, summary="矩阵B"))
    return _objects(cast, label)


def _expect(cast, role, objs):
    user = getattr(cast, role)
    out = set()
    for obj, owner in zip(objs, ("subject_a1", "subject_b1"), strict=True):
        if owner in BRANCH[role]:
            out.add(obj.pk)
        elif role == "police_a" and type(obj)._default_manager.visible_to(user).filter(pk=obj.pk).exists():
            out.add(obj.pk)
    return out


def _rows_of(response):
    ctx = response.context
    for key in ("object_list", "page_obj", "rows", "items", "subjects", "orders", "cases"):
        if ctx is not None and key in ctx:
            value = ctx[key]
            return {getattr(o, "pk", None) for o in (value.object_list if hasattr(value, "object_list") else value)}
    return None


@pytest.mark.parametrize("page", sorted(LIST_PAGES))
def test_list_page(client, cast, page):
    objs = _list_objects(cast, LIST_PAGES[page])
    if page == "risk:key_subjects":
        Subject.objects.filter(pk__in=[o.pk for o in objs]).update(is_key_subject=True)
    for role in ROLES:
        _check_list_page(client, cast, page, role, objs)


def _check_list_page(client, cast, page, role, objs):
    client.force_login(getattr(cast, role))
    r = client.get(reverse(page), {"state": "", "status": ""} if page != "audit:list" else {})
    if r.status_code == 403:
        return  # the role has no such page at all
    assert r.status_code == 200, (page, role, r.status_code)
    rows = _rows_of(r)
    body = r.content.decode()
    expected = _expect(cast, role, objs)
    if rows is not None:
        shown = rows & {o.pk for o in objs}
        assert shown <= expected, f"{role} sees rows of another branch on {page}: {shown - expected}"
        if role in ("city_admin", "officer_a1", "county_b_officer"):  # own rows do show (not a vacuous pass)
            assert shown == expected, f"{role} misses own-branch rows on {page}: {expected - shown}"
    else:  # pages rendering their own structures: the other branch's subject name must not appear
        other = [o for o in objs if o.pk not in expected]
        for obj in other:
            subject = obj if isinstance(obj, Subject) else getattr(obj, "subject", None)
            if subject is not None and subject.name not in (cast.subject_a1.name if subject.pk != cast.subject_a1.pk
                                                            else cast.subject_b1.name,):
                assert f">{subject.name}<" not in body, f"{role} sees {subject.name} on {page}"


@pytest.mark.parametrize("endpoint", sorted(LIST_API))
def test_list_api(api_client, cast, endpoint):
    objs = _list_objects(cast, LIST_API[endpoint])
    for role in ROLES:
        _check_list_api(api_client, cast, endpoint, role, objs)


def _check_list_api(api_client, cast, endpoint, role, objs):
    api_client.force_authenticate(getattr(cast, role))
    r = api_client.get(reverse(endpoint), {"page_size": 200})
    if r.status_code == 403:
        assert r.json()["code"] in ("permission_denied", "not_allowed")
        return
    assert r.status_code == 200, (endpoint, role, r.status_code)
    data = r.json()
    ids = {row["id"] for row in (data["results"] if isinstance(data, dict) else data)}
    shown = ids & {o.pk for o in objs}
    expected = _expect(cast, role, objs)
    assert shown <= expected, f"{role} sees another branch's rows in {endpoint}: {shown - expected}"
    if role != "police_a":
        assert shown == expected, f"{role} misses own-branch rows in {endpoint}: {expected - shown}"


# --- orgs and audit -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_org_api_detail(api_client, cast, role):
    api_client.force_authenticate(getattr(cast, role))
    user = getattr(cast, role)
    for org in (cast.town_a1, cast.town_b1, cast.county_b):
        status = api_client.get(reverse("org-detail", kwargs={"code": org.code})).status_code
        if status == 403:
            continue
        visible = type(org)._default_manager.visible_to(user).filter(pk=org.pk).exists()
        assert status == (200 if visible else 404), (role, org.code, status)
        if user.org_id and not (org.path.startswith(user.org.path) or user.org.path.startswith(org.path)):
            assert status == 404, (role, org.code)


@pytest.mark.parametrize("role", ROLES)
def test_audit_export_is_scoped(client, cast, role):
    from yunjiao.audit import services as audit

    audit.record(cast.officer_b1, "update", cast.subject_b1, summary="兖州矩阵行")
    audit.record(cast.officer_a1, "update", cast.subject_a1, summary="许庄矩阵行")
    client.force_login(getattr(cast, role))
    r = client.get(reverse("audit:export"), {"format": "json"})
    if r.status_code == 403:
        return
    body = b"".join(r.streaming_content).decode() if r.streaming else r.content.decode()
    assert ("兖州矩阵行" in body) == ("subject_b1" in BRANCH[role]), role
    assert ("许庄矩阵行" in body) == ("subject_a1" in BRANCH[role]), role


# --- writes to the registry: same branch works, other branch is 404 and stores nothing ----------------------

@pytest.mark.parametrize("role", [r for r in ROLES if r != "police_a"])
def test_subject_writes(client, api_client, cast, role):
    user = getattr(cast, role)
    for owner in ("subject_a1", "subject_b1"):
        s = getattr(cast, owner)
        before = _fingerprint(s)
        api_client.force_authenticate(user)
        r = api_client.patch(reverse("subject-detail", kwargs={"pk": s.pk}), {"work_unit": "矩阵单位"}, format="json")
        if owner not in BRANCH[role]:
            assert r.status_code == 404 and r.json()["code"] == "not_found", (role, owner, r.status_code)
            client.force_login(user)
            assert client.post(reverse("subjects:edit", args=[s.pk]), {"work_unit": "x"}).status_code in (403, 404)
            assert _fingerprint(s) == before
        elif user.can_write_subjects:
            assert r.status_code == 200, (role, owner, r.content)
            s.refresh_from_db()
            assert s.work_unit == "矩阵单位"
        else:
            assert r.status_code == 403 and _fingerprint(s) == before


@pytest.mark.parametrize("role", [r for r in ROLES if r != "police_a"])
def test_workbench_counts_match_scope(client, cast, role):
    from yunjiao.core.testing import make_subject
    from yunjiao.subjects.choices import Status

    make_subject(cast.town_a1, name="周一", status=Status.PENDING_INTAKE)
    make_subject(cast.town_b1, name="周二", status=Status.LOST_CONTACT)
    make_subject(cast.town_a2, name="周三", status=Status.DISCHARGED)
    user = getattr(cast, role)
    client.force_login(user)
    counts = client.get(reverse("core:workbench")).context["counts"]
    mine = Subject.objects.filter(org_path__startswith=user.org.path)  # independent of visible_to
    assert counts["total"] == mine.count()
    assert counts["in_correction"] == mine.filter(status=Status.IN_CORRECTION).count()
    assert counts["pending"] == mine.filter(status=Status.PENDING_INTAKE).count()
    assert counts["lost"] == mine.filter(status=Status.LOST_CONTACT).count()
    assert counts["active"] == mine.exclude(status__in=[Status.DISCHARGED, Status.TERMINATED]).count()
    expected_total = {"city_admin": 6, "city_officer": 6, "county_a_head": 4, "county_a_officer": 4,
                      "county_b_officer": 2, "officer_a1": 2, "officer_a2": 2, "officer_b1": 2,
                      "social_worker_a1": 2}[role]
    assert counts["total"] == expected_total


# --- the supervised person's own account ----------------------------------------------------------------------

def test_portal_account_sees_only_its_own_record(client, api_client, cast):
    from yunjiao.anomalies.models import Anomaly
    from yunjiao.leave.models import Leave

    made = {}
    own = build(Leave, cast.subject_a1, cast.officer_a1, made)
    other = build(Leave, cast.subject_a2, cast.officer_a2, made)
    build(Anomaly, cast.subject_a2, cast.officer_a2, made)
    portal = cast.portal_a1
    assert set(Subject.objects.visible_to(portal)) == {cast.subject_a1}
    assert set(Leave.objects.visible_to(portal)) == {own}
    assert not Anomaly.objects.visible_to(portal).exclude(subject=cast.subject_a1).exists()
    client.force_login(portal)
    assert client.get(reverse("leave:portal_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("leave:portal_detail", args=[other.pk])).status_code == 404
    for s in (cast.subject_a1, cast.subject_a2, cast.subject_b1):  # officer pages send the account to /m/
        assert client.get(reverse("subjects:detail", args=[s.pk])).status_code == 302
    api_client.force_authenticate(portal)
    assert api_client.get(reverse("subject-detail", kwargs={"pk": cast.subject_a2.pk})).status_code in (403, 404)
    assert api_client.get(reverse("subject-list")).status_code == 403


def test_builder_respects_time(cast):
    """The generic builder makes rows the scoping can see (guards the matrix against vacuous passes)."""
    from yunjiao.anomalies.models import Anomaly

    a, b = _objects(cast, "anomalies.Anomaly")
    assert set(Anomaly.objects.visible_to(cast.officer_a1)) >= {a}
    assert b not in set(Anomaly.objects.visible_to(cast.officer_a1))
    assert timezone.now() - a.first_seen_at < timedelta(minutes=5)


def test_org_list_page_shows_only_the_branch(client, cast):
    from yunjiao.orgs.models import Org

    towns = (cast.town_a1, cast.town_a2, cast.town_b1)
    for role in ROLES:
        user = getattr(cast, role)
        client.force_login(user)
        r = client.get(reverse("orgs:list"))
        if r.status_code == 403:
            continue
        body = r.content.decode()
        visible = set(Org.objects.visible_to(user).filter(pk__in=[t.pk for t in towns]).values_list("pk", flat=True))
        for town in towns:
            assert (town.name in body) == (town.pk in visible), (role, town.name)
        if role in ("officer_a1", "county_a_officer"):
            assert cast.town_b1.name not in body and cast.county_b.name not in body

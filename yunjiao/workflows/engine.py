"""The declarative workflow engine (no ORM here).

A process is declared once, as data: `Workflow(name, label, states, initial, transitions)`.
The same declaration drives the buttons on the case page (`actions_for`), the API, the to-do
list (`Workflow.states_for_role`), the deadline scanner, the documents produced, the audit record
and the diagrams (`diagrams.py`).  `services.fire` is the only function that executes a
transition; it calls `failure_reasons` and `clean_data` below.

A *case* is any object with `process` (workflow name), `state`, `org_path`, `data` (dict) and,
for guards that need it, `subject`.  A *user* is an accounts.User or `SYSTEM`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import TextChoices

from yunjiao.core.actors import SYSTEM
from yunjiao.core.scoping import scope_path
from yunjiao.workflows import rules

# A guard looks at the case, the acting user and the submitted data (None when the UI asks
# "may this button be pressed?") and returns the reasons it must not happen, in Chinese.
Guard = Callable[[Any, Any, "Mapping[str, Any] | None"], list[str]]

SYSTEM_ROLE = "system"
KEEP = "keep"  # a transition that keeps the running deadline (the default)


# ---------------------------------------------------------------------------- step data
@dataclass(frozen=True)
class Field:
    """One piece of data a step requires.  kind: text, textarea, date, int, bool, choice, org."""

    name: str
    label: str
    kind: str = "text"
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()
    past_only: bool = False  # a date that must not be in the future (it already happened)
    future_only: bool = False  # a date that must be after today (e.g. an agreed new deadline)
    help: str = ""
    max_length: int = 2000

    def clean(self, raw: Any, *, today: date) -> tuple[Any, str | None]:
        """(value, error message or None)."""
        empty = raw is None or (isinstance(raw, str) and raw.strip() == "")
        if self.kind == "bool":
            if isinstance(raw, bool):
                return raw, None
            return (str(raw).strip().lower() in ("1", "true", "on", "yes", "是")) if not empty else False, None
        if empty:
            verb = "选择" if self.kind in ("choice", "org") else "填写"
            return None, (f"请{verb}“{self.label}”" if self.required else None)
        if self.kind in ("text", "textarea"):
            value = str(raw).strip()
            if len(value) > self.max_length:
                return None, f"“{self.label}”不能超过{self.max_length}个字"
            return value, None
        if self.kind == "int" or self.kind == "org":
            try:
                return int(raw), None
            except (TypeError, ValueError):
                return None, f"“{self.label}”须为整数" if self.kind == "int" else f"请选择“{self.label}”"
        if self.kind == "choice":
            value = str(raw)
            if value not in {c for c, _ in self.choices}:
                return None, f"“{self.label}”的取值无效，请从列表中选择"
            return value, None
        if self.kind == "date":
            if isinstance(raw, datetime):
                value = raw.date()
            elif isinstance(raw, date):
                value = raw
            else:
                try:
                    value = date.fromisoformat(str(raw).strip())
                except ValueError:
                    return None, f"“{self.label}”不是有效日期，请按“年-月-日”填写"
            if self.past_only and value > today:
                return None, f"“{self.label}”不能晚于今天（{today.isoformat()}），请填写已经发生的日期"
            if self.future_only and value <= today:
                return None, f"“{self.label}”须晚于今天（{today.isoformat()}）"
            return value, None
        raise ValueError(f"unknown field kind {self.kind!r}")

    def choice_label(self, value: Any) -> str:
        return dict(self.choices).get(value, "" if value is None else str(value))


# ---------------------------------------------------------------------------- deadlines
@dataclass(frozen=True)
class DeadlineSpec:
    """The deadline a step starts.

    rule: a rule id from rules.RULES, or a callable (case, data) -> rule id (e.g. fast track).
    start: "now" (the day the step is done), "field:<name>" (a date the step records),
           "data:<key>" (a date recorded earlier in case.data), "subject:<attr>" (a subject date).
    due_field: the step records the new due date itself (an extension agreed with the
           commissioning body); `rule` still names the period for the reminder text.
    """

    rule: str | Callable[[Any, Mapping[str, Any]], str]
    start: str = "now"
    due_field: str | None = None

    def rule_id(self, case, data: Mapping[str, Any]) -> str:
        return self.rule(case, data) if callable(self.rule) else self.rule

    def start_date(self, case, data: Mapping[str, Any], today: date) -> date | None:
        kind, _, key = self.start.partition(":")
        if kind == "now":
            return today
        if kind == "field":
            value = data.get(key)
        elif kind == "data":
            value = (case.data or {}).get(key)
        elif kind == "subject":
            subject = getattr(case, "subject", None)
            value = getattr(subject, key, None) if subject is not None else None
        else:
            raise ValueError(f"unknown deadline start {self.start!r}")
        if isinstance(value, str):
            value = date.fromisoformat(value)
        return value

    def compute(self, case, data: Mapping[str, Any], *, today: date,
                overrides: Mapping[str, Mapping[str, int]] | None = None,
                roll_forward: bool = False) -> tuple[str, date, str]:
        """(rule id, due date, warning text) for this step."""
        rule_id = self.rule_id(case, data)
        if self.due_field:
            due = data[self.due_field]
            return rule_id, due, ""
        start = self.start_date(case, data, today)
        if start is None:
            raise ValueError(f"deadline start {self.start!r} has no date on this case")
        deadline = rules.compute_deadline(rule_id, start, org_path=case.org_path or "",
                                          overrides=(overrides or {}).get(rule_id),
                                          roll_forward=roll_forward)
        return rule_id, deadline.due_date, deadline.warning


# ---------------------------------------------------------------------------- transitions
@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]  # empty: a step that starts a new case
    target: str | None  # None: the case stays in its state (e.g. an agreed extension)
    roles: frozenset[str]
    guards: tuple[Guard, ...] = ()
    documents: tuple[str, ...] = ()  # document codes the documents app renders after commit
    # Documents that depend on a field of the step: (field name, {value: codes}), e.g. the proposal to the
    # court differs for 撤销缓刑 / 撤销假释 / 收监执行.
    documents_by: tuple[str, Mapping[str, tuple[str, ...]]] | None = None
    deadline: DeadlineSpec | str | None = KEEP  # KEEP the running one, None clears it
    needs_note: bool = False
    needs_attachment: bool = False
    fields: tuple[Field, ...] = ()
    # Writes that belong to the step, run by services.fire inside its transaction after the checks:
    # effect(case, data, actor) (e.g. move an assessment to the assigned 司法所).
    effects: tuple[Callable[[Any, Mapping[str, Any], Any], None], ...] = ()
    automatic: bool = False  # done by the scanner/jobs (not shown as a button)
    # An enforcement act (宣告, searches, sanction interviews and decisions): the acting officer must hold an
    # active work certificate of an establishment type allowed to enforce (山东省社区矫正工作证件管理办法).
    enforcement: bool = False
    style: str = "primary"  # button colour: primary, secondary, danger
    help: str = ""

    @property
    def starts_case(self) -> bool:
        return not self.sources

    def documents_for(self, data: Mapping[str, Any] | None) -> tuple[str, ...]:
        """The document codes this step produces for the submitted data."""
        codes = tuple(self.documents)
        if self.documents_by:
            field_name, mapping = self.documents_by
            codes += tuple(mapping.get(str((data or {}).get(field_name)), ()))
        return codes

    @property
    def all_documents(self) -> tuple[str, ...]:
        """Every code the step may produce (for diagrams, the catalogue check and the case page)."""
        codes = list(self.documents)
        if self.documents_by:
            for group in self.documents_by[1].values():
                codes += [c for c in group if c not in codes]
        return tuple(codes)

    @property
    def document_titles(self) -> list[str]:
        return document_titles(self.all_documents)

    def target_for(self, state: str) -> str:
        return state if self.target is None else self.target


def T(name: str, label: str, sources: str | Iterable[str], target: str | None, roles: Iterable[str],
      **kwargs) -> Transition:
    """Shorthand used by the process modules."""
    if isinstance(sources, str):
        sources = (sources,)
    return Transition(name, label, tuple(str(s) for s in sources),
                      None if target is None else str(target), frozenset(roles), **kwargs)


@dataclass
class Workflow:
    name: str
    label: str
    states: type[TextChoices]
    initial: str
    transitions: Sequence[Transition]
    final: frozenset[str] = frozenset()
    description: str = ""
    _by_name: dict[str, Transition] = field(init=False, repr=False)

    def __post_init__(self):
        self.initial = str(self.initial)
        self.final = frozenset(str(s) for s in self.final)
        self._by_name = {}
        valid = {str(s) for s in self.states.values}
        for t in self.transitions:
            if t.name in self._by_name:
                raise ValueError(f"{self.name}: duplicate transition {t.name}")
            for s in (*t.sources, *([t.target] if t.target else [])):
                if s not in valid:
                    raise ValueError(f"{self.name}.{t.name}: unknown state {s!r}")
            if t.starts_case and t.target is None:
                raise ValueError(f"{self.name}.{t.name}: a starting step needs a target")
            self._by_name[t.name] = t

    def transition(self, name: str) -> Transition:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownTransition(f"流程“{self.label}”没有“{name}”这一步")

    def state_label(self, state: str) -> str:
        return dict(self.states.choices).get(state, state)

    def outgoing(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def starting(self) -> list[Transition]:
        return [t for t in self.transitions if t.starts_case]

    def is_final(self, state: str) -> bool:
        return state in self.final

    def states_for_role(self, role: str) -> set[str]:
        """States in which a person of `role` has the next main step to do (drives the to-do list).

        Side steps (style "secondary"/"danger": extensions, returns, holds) do not make a case a to-do.
        """
        return {s for t in self.transitions
                if role in t.roles and not t.automatic and t.style == "primary" for s in t.sources}


class UnknownTransition(KeyError):
    pass


# ---------------------------------------------------------------------------- registry
_REGISTRY: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    _REGISTRY[workflow.name] = workflow
    return workflow


def get_workflow(name: str) -> Workflow:
    _load_processes()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"未定义的流程：{name}")


def all_workflows() -> list[Workflow]:
    """The processes declared in yunjiao/workflows/processes, in their documented order."""
    from yunjiao.workflows.processes import ORDER

    return [_REGISTRY[name] for name in ORDER]


def _load_processes():
    import yunjiao.workflows.processes  # noqa: F401  (registers every declared process)


# ---------------------------------------------------------------------------- checks
def role_labels(roles: Iterable[str]) -> str:
    try:
        from yunjiao.accounts.models import Role

        labels = dict(Role.choices)
    except Exception:  # app registry not ready (pure use)
        labels = {}
    labels[SYSTEM_ROLE] = "系统(自动)"
    return "、".join(labels.get(r, r) for r in sorted(roles))


def user_role(user) -> str:
    if user is SYSTEM:
        return SYSTEM_ROLE
    return getattr(user, "role", "")


def in_scope(case, user) -> bool:
    path = scope_path(user)
    if path is None:
        return False
    case_path = case.org_path or ""
    return path == "" or case_path == path or case_path.startswith(path + ".")


def failure_reasons(case, transition: Transition, user, data: Mapping[str, Any] | None = None) -> list[str]:
    """Every reason `user` may not do `transition` on `case` now; [] means allowed.

    Order: state, role, org scope, then the process's own guards (each returns sentences).
    """
    workflow = get_workflow(case.process)
    reasons: list[str] = []
    if transition.starts_case:
        reasons.append(f"“{transition.label}”用于新建案件，不能在已有案件上办理")
    elif case.state not in transition.sources:
        allowed = "、".join(f"“{workflow.state_label(s)}”" for s in transition.sources)
        reasons.append(f"案件当前状态为“{workflow.state_label(case.state)}”，不能{transition.label}"
                       f"（只能在{allowed}时办理）")
    role = user_role(user)
    if role not in transition.roles:
        reasons.append(f"“{transition.label}”须由{role_labels(transition.roles)}办理")
    if not in_scope(case, user):
        reasons.append("该案件不在您所在机构的管辖范围内")
    if not reasons:
        if transition.enforcement:
            reasons.extend(enforcement_reasons(user))
        for guard in transition.guards:
            reasons.extend(guard(case, user, data))
    return reasons


def document_titles(codes: Iterable[str]) -> list[str]:
    """Chinese titles of document codes (from the documents catalogue; the code itself if unknown)."""
    try:
        from yunjiao.documents.catalogue import CATALOGUE
    except ImportError:  # pragma: no cover - the documents app is part of the project
        CATALOGUE = {}
    return [CATALOGUE[c].title if c in CATALOGUE else c for c in codes]


def enforcement_reasons(user) -> list[str]:
    """Certificate gating for enforcement transitions (the staff app keeps the certificates)."""
    from yunjiao.staff.services import enforcement_reasons as staff_reasons

    return staff_reasons(user)


def start_reasons(workflow: Workflow, transition: Transition, user, org_path: str,
                  subject=None, data: Mapping[str, Any] | None = None) -> list[str]:
    """Reasons a case of `workflow` may not be started by `user` at `org_path`."""
    reasons: list[str] = []
    if not transition.starts_case:
        reasons.append(f"“{transition.label}”不是新建案件的步骤")
    if user_role(user) not in transition.roles:
        reasons.append(f"“{transition.label}”须由{role_labels(transition.roles)}办理")
    probe = _Probe(workflow.name, workflow.initial, org_path, {}, subject)
    if not in_scope(probe, user):
        reasons.append("该机构不在您的管辖范围内")
    if not reasons:
        if transition.enforcement:
            reasons.extend(enforcement_reasons(user))
        for guard in transition.guards:
            reasons.extend(guard(probe, user, data))
    return reasons


@dataclass
class _Probe:
    process: str
    state: str
    org_path: str
    data: dict
    subject: Any = None


def clean_data(transition: Transition, raw: Mapping[str, Any] | None, *,
               today: date) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate the data a step needs: (cleaned values, {field name: Chinese error})."""
    raw = raw or {}
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in transition.fields:
        value, error = f.clean(raw.get(f.name), today=today)
        if error:
            errors[f.name] = error
        elif value is not None:
            cleaned[f.name] = value
    return cleaned, errors


@dataclass(frozen=True)
class Action:
    """A step as the case page shows it: enabled, or disabled with its reasons."""

    transition: Transition
    reasons: tuple[str, ...]

    @property
    def enabled(self) -> bool:
        return not self.reasons

    @property
    def name(self) -> str:
        return self.transition.name

    @property
    def label(self) -> str:
        return self.transition.label


def actions_for(case, user) -> list[Action]:
    """Every manual step leaving the case's current state, each with the reasons it is disabled."""
    workflow = get_workflow(case.process)
    return [Action(t, tuple(failure_reasons(case, t, user)))
            for t in workflow.outgoing(case.state) if not t.automatic]

"""Every write on the subject registry goes through these functions (explicit actor, audited)."""

from __future__ import annotations

import secrets
from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction

from yunjiao.audit import services as audit
from yunjiao.audit.models import Action
from yunjiao.core.errors import Conflict, NotAllowed, ServiceError
from yunjiao.core.models import Counter, next_value
from yunjiao.core.scoping import path_q, scope_path
from yunjiao.orgs.models import Org, OrgLevel
from yunjiao.subjects import rules
from yunjiao.subjects.choices import Status
from yunjiao.subjects.models import CorrectionTeamMember, FamilyMember, ProhibitionOrder, Subject
from yunjiao.subjects.validation import PHOTO_MAX_BYTES, photo_errors, subject_errors, text_errors

SECRET_FIELDS = ("id_number", "phone", "household_address", "residence_address")
PLAIN_FIELDS = tuple(
    f.name for f in Subject._meta.concrete_fields
    if f.editable and f.name not in {"id", "number", "name_initials", "name_pinyin", "execution_org", "township",
                                      "org_path", "status", "created_at", "updated_at", "version",
                                      "photo", "photo_type"}
    and not f.name.endswith(("_enc", "_digest", "_masked"))
)


def _read_photo(data: dict) -> dict:
    """Copy of `data` with an uploaded photo (file object or bytes) read into bytes, at most 2 MB + 1."""
    photo = data.get("photo")
    data = dict(data)
    if not photo:
        data.pop("photo", None)
        return data
    if isinstance(photo, bytes | bytearray):
        data["photo"] = (bytes(photo), len(photo))
    else:
        size = getattr(photo, "size", None)
        raw = photo.read(PHOTO_MAX_BYTES + 1)
        data["photo"] = (raw, size if size is not None else len(raw))
    return data


def _store_photo(subject: Subject, raw: bytes, mime: str) -> str:
    """Write the encrypted photo file; returns the replaced file's name (deleted after commit)."""
    from yunjiao.core.crypto import encrypt_bytes

    old = subject.photo.name
    subject.photo.save(f"{secrets.token_hex(16)}.sm4", ContentFile(encrypt_bytes(raw)), save=False)
    subject.photo_type = mime
    return old


class _PhotoFiles:
    """Files written during a write: removed if the transaction fails, replaced ones removed after commit."""

    def __init__(self):
        self.written: list[tuple] = []

    def store(self, subject, photo):
        if photo is None:
            return
        old = _store_photo(subject, *photo)
        self.written.append((subject.photo.storage, subject.photo.name))
        if old:
            storage = subject.photo.storage
            transaction.on_commit(lambda: storage.delete(old))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            for storage, name in self.written:
                storage.delete(name)
        return False


def photo_bytes(subject: Subject) -> bytes:
    from yunjiao.core.crypto import decrypt_bytes

    with subject.photo.open("rb") as fh:
        return decrypt_bytes(fh.read())


def _check_writer(actor, org: Org) -> None:
    if not getattr(actor, "can_write_subjects", False):
        raise NotAllowed("您的角色无权新增或修改矫正对象档案。")
    path = scope_path(actor)
    if path is None or not (path == "" or org.path == path or org.path.startswith(path + ".")):
        raise NotAllowed("所选机构不在您的管辖范围内。")


def resolve_orgs(*, township: Org | None, execution_org: Org | None) -> tuple[Org, Org | None]:
    if township is not None:
        if township.level != OrgLevel.TOWNSHIP:
            raise ServiceError("负责司法所必须是司法所。", field_errors={"township": ["请选择司法所。"]})
        county = township.parent
        if execution_org is not None and execution_org.pk != county.pk:
            raise ServiceError("负责司法所不属于所选执行地。",
                               field_errors={"township": ["该司法所不属于所选县(市、区)。"]})
        return county, township
    if execution_org is None or execution_org.level != OrgLevel.COUNTY:
        raise ServiceError("请选择执行地（县级社区矫正机构）。",
                           field_errors={"execution_org": ["请选择执行地。"]})
    return execution_org, None


def _apply(subject: Subject, data: dict) -> None:
    for name in PLAIN_FIELDS:
        if name in data:
            setattr(subject, name, data[name] if data[name] is not None else
                    ("" if isinstance(Subject._meta.get_field(name).default, str) else data[name]))
    if "name" in data:
        subject.name_initials = rules.pinyin_initials(data["name"])
        subject.name_pinyin = rules.pinyin_full(data["name"])
    if "id_number" in data:
        subject.set_id_number(data["id_number"])
    if "phone" in data:
        subject.set_phone(data["phone"])
    if "household_address" in data:
        subject.set_household_address(data["household_address"])
    if "residence_address" in data:
        subject.set_residence_address(data["residence_address"])


def _validate(data: dict, *, instance: Subject | None = None) -> None:
    merged = dict(data)
    if instance is not None:
        for key in ("birth_date", "sex", "period_start", "period_end", "category", "temporary_release_type",
                    "id_type", "judgment_date", "judgment_effective_date"):
            merged.setdefault(key, getattr(instance, key))
        if "id_number" not in merged and ("birth_date" in data or "sex" in data):
            merged["id_number"] = instance.id_number
    errors = subject_errors(merged, partial=instance is not None)
    if data.get("photo"):
        raw, size = data["photo"]
        photo_msgs, _ = photo_errors(raw, size=size)
        if photo_msgs:
            errors.setdefault("photo", []).extend(photo_msgs)
    if "id_number" in merged and not errors.get("id_number") and merged.get("id_number"):
        digest_qs = Subject.objects.filter(id_number_digest=_digest(merged["id_number"]))
        if instance is not None:
            digest_qs = digest_qs.exclude(pk=instance.pk)
        if digest_qs.exclude(status__in=[Status.DISCHARGED, Status.TERMINATED]).exists():
            errors.setdefault("id_number", []).append("该身份证号码已有在册的矫正对象档案。")
    if errors:
        first = next(iter(errors.values()))[0]
        raise ServiceError(f"提交的信息有误：{first}", code="validation", field_errors=errors)


def _photo_with_type(data: dict) -> tuple[bytes, str] | None:
    if not data.get("photo"):
        return None
    raw, size = data["photo"]
    _, mime = photo_errors(raw, size=size)
    return raw, mime


def _digest(value: str) -> str:
    from yunjiao.core.crypto import digest

    return digest(value.strip().upper())


def create_subject(*, actor, data: dict, township: Org | None = None, execution_org: Org | None = None,
                   status: str = Status.PENDING_INTAKE) -> Subject:
    """Open a new record (一人一档).  `status` other than 待接收 is only for imports from a legacy system."""
    county, township = resolve_orgs(township=township, execution_org=execution_org)
    _check_writer(actor, township or county)
    data = _read_photo(data)
    _validate(data)
    with _PhotoFiles() as files, transaction.atomic():
        subject = Subject(execution_org=county, township=township, status=status)
        subject.org_path = (township or county).path
        _apply(subject, data)
        files.store(subject, _photo_with_type(data))
        year = (data.get("period_start") or date.today()).year
        subject.number = f"{county.code}{year}{next_value(f'subject:{county.code}:{year}'):05d}"
        subject.save()
        audit.record(actor, Action.CREATE, subject, summary=f"新建矫正对象档案 {subject.name}",
                     after=audit.model_snapshot(subject))
    return subject


def update_subject(subject: Subject, *, actor, data: dict, expected_version: int | None = None,
                   township: Org | None = None) -> Subject:
    """Edit the record.  The execution county never changes here (only the transfer workflow does)."""
    data = _read_photo(data)
    with _PhotoFiles() as files, transaction.atomic():
        locked = Subject.objects.visible_to(actor).select_for_update().filter(pk=subject.pk).first()
        if locked is None:
            raise NotAllowed("该矫正对象不在您的管辖范围内。")
        if expected_version is not None and locked.version != expected_version:
            raise Conflict("该档案已被他人修改，请刷新页面后重新编辑。")
        _check_writer(actor, locked.township or locked.execution_org)
        _validate(data, instance=locked)
        before = audit.model_snapshot(locked)
        if township is not None and township.pk != locked.township_id:
            if township.level != OrgLevel.TOWNSHIP or township.parent_id != locked.execution_org_id:
                raise ServiceError("只能在本县(市、区)内调整负责司法所；跨县请办理执行地变更。",
                                   field_errors={"township": ["只能选择本县(市、区)的司法所。"]})
            _check_writer(actor, township)
            locked.township = township
            locked.org_path = township.path
        _apply(locked, data)
        files.store(locked, _photo_with_type(data))
        locked.version += 1
        locked.save()
        if not Subject.objects.visible_to(actor).filter(pk=locked.pk).exists():
            raise NotAllowed("修改后该档案将超出您的管辖范围，操作已取消。")
        old, new = audit.diff(before, audit.model_snapshot(locked))
        secret_changed = [f for f in (*SECRET_FIELDS, "photo") if f in data]
        audit.record(actor, Action.UPDATE, locked, summary=f"修改档案 {locked.name}", before=old, after=new,
                     data={"encrypted_fields_changed": secret_changed} if secret_changed else None)
    return locked


def read_full_record(subject: Subject, *, actor, what: str = "档案详情") -> None:
    """Audit a read of the subject's full record (with decrypted identifiers)."""
    audit.record_read(actor, subject, summary=f"查看{what}：{subject.name}")


def find_by_id_number(*, actor, id_number: str):
    return Subject.objects.visible_to(actor).filter(id_number_digest=_digest(id_number))


def search(qs, term: str):
    """Search by name, pinyin initials, subject number, or exact ID/phone number (via digest)."""
    term = (term or "").strip()
    if not term:
        return qs
    lowered = term.lower()
    if lowered.isascii() and lowered.isalpha():
        # Prefix as a range: every database serves it from the name_initials index (LIKE may not).
        upper = lowered[:-1] + chr(ord(lowered[-1]) + 1)
        return qs.filter(name_initials__gte=lowered, name_initials__lt=upper)
    if len(term) == 18 or (len(term) == 11 and term.isdigit()):
        d = _digest(term)
        return qs.filter(id_number_digest=d) | qs.filter(phone_digest=d) if len(term) == 11 else \
            qs.filter(id_number_digest=d)
    if term.isascii() and term.isalnum():
        return qs.filter(number__startswith=term.upper())
    return qs.filter(name__startswith=term)


def add_family_member(subject: Subject, *, actor, name: str, relation: str, phone: str = "",
                      work_unit: str = "", is_guardian: bool = False) -> FamilyMember:
    errors = (rules.phone_errors(phone) + text_errors(name) + text_errors(relation) + text_errors(work_unit))
    if not name or not relation:
        errors.append("请填写姓名和关系。")
    if errors:
        raise ServiceError(errors[0])
    with transaction.atomic():
        _require_visible(subject, actor)
        member = FamilyMember(subject=subject, name=name, relation=relation, work_unit=work_unit,
                              is_guardian=is_guardian)
        member.set_phone(phone)
        member.save()
        audit.record(actor, Action.CREATE, member, subject=subject, summary=f"添加家庭成员 {name}（{relation}）")
    return member


def add_team_member(subject: Subject, *, actor, name: str, sex: str, role: str, user=None,
                    phone: str = "") -> CorrectionTeamMember:
    errors = rules.phone_errors(phone) + text_errors(name)
    if errors:
        raise ServiceError(errors[0])
    with transaction.atomic():
        _require_visible(subject, actor)
        member = CorrectionTeamMember(subject=subject, name=name, sex=sex, role=role, user=user)
        member.set_phone(phone)
        member.save()
        audit.record(actor, Action.CREATE, member, subject=subject, summary=f"矫正小组增加成员 {name}")
    return member


def add_prohibition(subject: Subject, *, actor, kind: str, content: str, start_date: date,
                    end_date: date) -> ProhibitionOrder:
    errors = text_errors(content) + rules.period_errors(start_date, end_date)
    if errors:
        raise ServiceError(errors[0])
    with transaction.atomic():
        _require_visible(subject, actor)
        order = ProhibitionOrder.objects.create(subject=subject, kind=kind, content=content,
                                                start_date=start_date, end_date=end_date)
        audit.record(actor, Action.CREATE, order, subject=subject, summary=f"登记禁止令：{content[:60]}")
    return order


def _require_visible(subject: Subject, actor) -> None:
    if not Subject.objects.visible_to(actor).filter(pk=subject.pk).exists():
        raise NotAllowed("该矫正对象不在您的管辖范围内。")
    if not getattr(actor, "can_write_subjects", False):
        raise NotAllowed("您的角色无权修改矫正对象档案。")


def _reserve_numbers(key: str, n: int) -> int:
    """Reserve `n` consecutive values of a named counter; returns the first (caller's transaction)."""
    counter, _ = Counter.objects.select_for_update().get_or_create(key=key)
    first = counter.value + 1
    counter.value += n
    counter.save(update_fields=["value"])
    return first


def org_choices_for(actor, level: str):
    path = scope_path(actor)
    qs = Org.objects.filter(level=level, is_active=True)
    if path is None:
        return qs.none()
    return qs if path == "" else qs.filter(path_q("path", path))


def import_subjects(rows: list[tuple[dict, Org]], *, actor, status: str = Status.IN_CORRECTION,
                    batch_size: int = 1000) -> int:
    """Bulk import from a legacy system or demo generator: each row is (data, township).

    Every row is validated like a form entry; the whole batch is refused if one row is invalid.
    One audit row per batch lists the numbers created.
    """
    for i, (data, township) in enumerate(rows):
        errors = subject_errors(data)
        if errors:
            field, msgs = next(iter(errors.items()))
            raise ServiceError(f"第 {i + 1} 行 {field}：{msgs[0]}", code="validation")
        _check_writer(actor, township)
    created = 0
    for start in range(0, len(rows), batch_size):
        chunk = rows[start:start + batch_size]
        with transaction.atomic():
            objs = []
            for data, township in chunk:
                county = township.parent
                s = Subject(execution_org=county, township=township, status=status, org_path=township.path)
                _apply(s, data)
                objs.append(s)
            # One counter update per (county, year) and batch instead of one per row (gap-free: same transaction).
            wanted: dict[tuple[str, int], int] = {}
            for s, (data, _) in zip(objs, chunk, strict=True):
                key = (s.execution_org.code, data["period_start"].year)
                wanted[key] = wanted.get(key, 0) + 1
            nxt = {key: _reserve_numbers(f"subject:{key[0]}:{key[1]}", n) for key, n in wanted.items()}
            for s, (data, _) in zip(objs, chunk, strict=True):
                key = (s.execution_org.code, data["period_start"].year)
                s.number = f"{key[0]}{key[1]}{nxt[key]:05d}"
                nxt[key] += 1
            Subject.objects.bulk_create(objs, batch_size=batch_size)
            audit.record(actor, Action.CREATE, None, summary=f"批量导入矫正对象 {len(objs)} 条",
                         data={"numbers": [o.number for o in objs]},
                         org_path=getattr(getattr(actor, "org", None), "path", "") or "")
            created += len(objs)
    return created

"""电子定位 — electronic positioning (社区矫正法 art.29; domain.md §2.4, §5.1 D9).

Proposal citing one of the five grounds of art.29 → approval by the head of the county justice bureau
(县级司法行政部门负责人) with a period of at most three months (D9) → wristband fitted and the subject told
(告知书; the wristband becomes a geo.Device of the subject) → in use → 即将到期 (the expiry scan,
MONITORING_EXPIRY_NOTICE_DAYS before the end, plus the deadline scanner's reminder and overdue flag) →
assessment → extension (each ≤ 3 months, approved by the head again; no cap on their number in the Law) or
removal (device unlinked).  Early removal when no longer needed.  When supervision ends (解除 or 终止) the
system closes any open case at once (`end_with_supervision`, device unlinked).  Approving, extending and fitting are
enforcement acts (work certificate required).
"""

from django.db import models

from yunjiao.monitoring import hooks as h
from yunjiao.monitoring.rules import CONCLUSIONS, GROUNDS
from yunjiao.workflows.engine import DeadlineSpec, Field, T, Workflow, register
from yunjiao.workflows.processes.roles import COUNTY, COUNTY_HEAD, OFFICERS, SYSTEM


class S(models.TextChoices):
    PROPOSED = "proposed", "待县司法局负责人审批"
    APPROVED = "approved", "已批准，待佩戴装置"
    ACTIVE = "active", "使用中"
    EXPIRING = "expiring", "即将到期，待评估"
    ASSESSED = "assessed", "已评估"
    EXTENSION_REVIEW = "extension_review", "延长待负责人审批"
    REMOVED = "removed", "期满解除"
    REMOVED_EARLY = "removed_early", "提前解除"
    ENDED = "ended", "随矫正终结解除"
    REJECTED = "rejected", "不予批准"
    WITHDRAWN = "withdrawn", "已撤回"


OPEN_STATES = (S.PROPOSED, S.APPROVED, S.ACTIVE, S.EXPIRING, S.ASSESSED, S.EXTENSION_REVIEW)
REMOVAL_FIELDS = (Field("removal_reason", "解除理由", max_length=200),
                  Field("removed_on", "解除（拆除装置）日期", "date", past_only=True))

WORKFLOW = register(Workflow(
    "monitoring", "电子定位", S, S.PROPOSED, final={S.REMOVED, S.REMOVED_EARLY, S.ENDED, S.REJECTED, S.WITHDRAWN},
    description="社区矫正法第29条：五种法定情形之一，经县级司法行政部门负责人批准；每次不超过三个月，"
                "期满经评估仍有必要的经批准延长，每次不超过三个月；不需要继续使用的及时解除",
    transitions=[
        T("propose", "提请使用电子定位装置", (), S.PROPOSED, OFFICERS, deadline=None,
          fields=(Field("ground", "适用情形（第29条）", "choice", choices=GROUNDS),
                  Field("facts", "事实和理由", "textarea")),
          guards=(h.subject_in_correction, h.ground_supported)),
        T("approve", "负责人批准使用", S.PROPOSED, S.APPROVED, COUNTY_HEAD,
          fields=(Field("start_date", "使用起始日期", "date"), Field("end_date", "使用截止日期", "date")),
          guards=(h.subject_in_correction, h.period_within_limit), effects=(h.record_initial_period,),
          documents=("monitoring_approval_form",), deadline=DeadlineSpec("D9", due_field="end_date"),
          enforcement=True),
        T("reject", "不予批准", S.PROPOSED, S.REJECTED, COUNTY_HEAD, needs_note=True, deadline=None, style="danger"),
        T("withdraw", "撤回提请", S.PROPOSED, S.WITHDRAWN, OFFICERS, needs_note=True, deadline=None,
          style="secondary"),
        T("fit_device", "佩戴装置并告知", S.APPROVED, S.ACTIVE, OFFICERS,
          fields=(Field("device_id", "腕带编号", max_length=64), Field("fitted_on", "佩戴日期", "date", past_only=True)),
          guards=(h.subject_in_correction, h.device_available), effects=(h.link_device,), documents=("monitoring_notice",),
          enforcement=True),
        T("mark_expiring", "使用期限即将届满", S.ACTIVE, S.EXPIRING, SYSTEM, guards=(h.expiry_near,),
          automatic=True),
        T("assess", "期满评估", (S.ACTIVE, S.EXPIRING), S.ASSESSED, OFFICERS,
          fields=(Field("assessment", "评估情况", "textarea"),
                  Field("conclusion", "评估结论", "choice", choices=CONCLUSIONS))),
        T("propose_extension", "提请延长", S.ASSESSED, S.EXTENSION_REVIEW, OFFICERS,
          fields=(Field("extension_reason", "延长理由", "textarea", max_length=300),),
          guards=(h.conclusion_is("continue"),)),
        T("extend", "负责人批准延长", S.EXTENSION_REVIEW, S.ACTIVE, COUNTY_HEAD,
          fields=(Field("new_end", "延长至", "date"),), guards=(h.subject_in_correction, h.extension_within_limit),
          effects=(h.record_extension,), documents=("monitoring_extension_form",),
          deadline=DeadlineSpec("D9", due_field="new_end"), enforcement=True),
        T("reject_extension", "不批准延长", S.EXTENSION_REVIEW, S.ASSESSED, COUNTY_HEAD, needs_note=True,
          effects=(h.extension_refused,), style="danger"),
        T("remove", "期满解除", S.ASSESSED, S.REMOVED, COUNTY, fields=REMOVAL_FIELDS,
          guards=(h.conclusion_is("end"),), effects=(h.unlink_device,), documents=("monitoring_removal_notice",),
          deadline=None),
        T("remove_early", "提前解除", (S.ACTIVE, S.EXPIRING), S.REMOVED_EARLY, COUNTY, fields=REMOVAL_FIELDS,
          effects=(h.unlink_device,), documents=("monitoring_removal_notice",), deadline=None, style="danger"),
        # supervision ended (解除 / 终止): no legal basis for monitoring remains; the system closes the case at once
        T("end_with_supervision", "矫正终结，解除电子定位", OPEN_STATES, S.ENDED, SYSTEM,
          fields=(Field("removal_reason", "解除理由", max_length=200),), effects=(h.unlink_device,), deadline=None,
          style="secondary"),
    ],
))

WORKFLOW.record_backed = True  # steps link geo devices and periods; table-driven tests in yunjiao/monitoring/tests

"""终止 — termination by revocation, 收监 or death (domain.md §2.8, §1.3).

LAW art.45: correction terminates when probation/parole is revoked, 收监 is decided, or the
subject dies.  LAW art.46/48: the county agency proposes revocation to the court, which rules within
30 days (D14).  LAW art.49: 收监 proposal to the deciding authority, decided within 30 days (D15).
LAW art.51: on death the agency notifies the deciding authority, procuratorate and police (IM: within
5 days, D19, unverified).  While a proposal is open, discharge is blocked.
"""

from django.db import models

from yunjiao.workflows.engine import DeadlineSpec, Field, T, Workflow, register
from yunjiao.workflows.processes.guards import category_matches_kind, needs_subject
from yunjiao.workflows.processes.roles import COUNTY


class S(models.TextChoices):
    PROPOSED = "proposed", "已提请，待裁定(决定)"
    REJECTED = "rejected", "未予撤销/收监，继续矫正"
    WITHDRAWN = "withdrawn", "已撤回提请"
    DEATH_REPORTED = "death_reported", "已报告死亡"
    TERMINATED = "terminated", "已终止"
    ARCHIVED = "archived", "已归档"


KINDS = (("revocation_probation", "提请撤销缓刑"), ("revocation_parole", "提请撤销假释"),
         ("committal", "提请收监执行"))


def decision_rule(case, data):
    kind = data.get("kind", (case.data or {}).get("kind"))
    return "D15" if kind == "committal" else "D14"


WORKFLOW = register(Workflow(
    "termination", "终止矫正", S, S.PROPOSED, final={S.REJECTED, S.WITHDRAWN, S.ARCHIVED},
    description="社区矫正法第45—51条；撤销/收监：受理之日起30日内裁定(决定)",
    transitions=[
        T("propose", "提请撤销缓刑、假释或收监执行", (), S.PROPOSED, COUNTY,
          guards=(needs_subject, category_matches_kind), needs_note=True,
          fields=(Field("kind", "提请事项", "choice", choices=KINDS),
                  Field("proposal_date", "提请日期", "date", past_only=True),
                  Field("authority", "受理机关", max_length=100)),
          documents_by=("kind", {"revocation_probation": ("probation_revocation_proposal",),
                                 "revocation_parole": ("parole_revocation_proposal",),
                                 "committal": ("committal_proposal",)}),
          deadline=DeadlineSpec(decision_rule, start="field:proposal_date")),
        T("record_revoked", "登记撤销/收监裁定(决定)", S.PROPOSED, S.TERMINATED, COUNTY, deadline=None,
          fields=(Field("decision_date", "裁定(决定)日期", "date", past_only=True),
                  Field("decision_number", "裁定(决定)书文号", max_length=64)),
          documents=("termination_notice",)),
        T("record_rejected", "登记不予撤销/收监", S.PROPOSED, S.REJECTED, COUNTY, deadline=None,
          fields=(Field("decision_date", "裁定(决定)日期", "date", past_only=True),
                  Field("decision_number", "裁定(决定)书文号", max_length=64)), style="secondary"),
        T("withdraw", "撤回提请", S.PROPOSED, S.WITHDRAWN, COUNTY, needs_note=True, deadline=None,
          style="secondary"),
        T("report_death", "登记死亡", (), S.DEATH_REPORTED, COUNTY, guards=(needs_subject,),
          fields=(Field("death_date", "死亡日期", "date", past_only=True),
                  Field("reported_on", "接到报告日期", "date", past_only=True),
                  Field("cause", "死亡原因", "textarea")),
          deadline=DeadlineSpec("D19", start="field:reported_on")),
        T("notify_death", "通知决定机关、检察院、公安机关", S.DEATH_REPORTED, S.TERMINATED, COUNTY,
          deadline=None, fields=(Field("notified_on", "通知日期", "date", past_only=True),),
          documents=("death_report", "termination_notice")),
        T("archive", "归档", S.TERMINATED, S.ARCHIVED, COUNTY, style="secondary"),
    ],
))

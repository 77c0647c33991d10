"""提请治安管理处罚 — the county agency requests the same-level police (LAW art.28, art.59).

The agency never imposes the penalty; it records the police decision.  A penalty received and not
corrected is itself a revocation/收监 ground (discipline.rules).
"""

from django.db import models

from yunjiao.workflows.engine import Field, T, Workflow, register
from yunjiao.workflows.processes.roles import COUNTY


class S(models.TextChoices):
    REQUESTED = "requested", "已提请公安机关"
    PENALISED = "penalised", "公安机关已处罚"
    NOT_PENALISED = "not_penalised", "公安机关未予处罚"
    WITHDRAWN = "withdrawn", "已撤回"


WORKFLOW = register(Workflow(
    "police_penalty_request", "提请治安管理处罚", S, S.REQUESTED, final={S.PENALISED, S.NOT_PENALISED, S.WITHDRAWN},
    description="社区矫正法第28条、第59条：由县级社区矫正机构提请同级公安机关依法给予处罚",
    transitions=[
        T("request", "提请治安管理处罚", (), S.REQUESTED, COUNTY, needs_note=True, deadline=None,
          fields=(Field("police_org", "受理公安机关", max_length=100),
                  Field("requested_on", "提请日期", "date", past_only=True)),
          documents=("police_penalty_proposal",)),
        T("record_penalty", "登记公安机关处罚决定", S.REQUESTED, S.PENALISED, COUNTY,
          fields=(Field("decision_number", "处罚决定书文号", max_length=64),
                  Field("decision_date", "处罚决定日期", "date", past_only=True),
                  Field("penalty", "处罚内容", max_length=200))),
        T("record_no_penalty", "登记未予处罚", S.REQUESTED, S.NOT_PENALISED, COUNTY, needs_note=True,
          style="secondary"),
        T("withdraw", "撤回提请", S.REQUESTED, S.WITHDRAWN, COUNTY, needs_note=True, style="secondary"),
    ],
))

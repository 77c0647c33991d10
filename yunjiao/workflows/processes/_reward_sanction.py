"""Shared declaration of 表扬 / 训诫 / 警告 (LAW art.28; domain.md §2.7, §1.3).

Violation (or conduct) record with evidence and interview record → 司法所 investigation → county
decision → written decision delivered to the subject, copy to the procuratorate.  The facts live on
discipline.models.DisciplineRecord (created by discipline.services.open_record).
"""

from django.db import models

from yunjiao.discipline import hooks as h
from yunjiao.workflows.engine import Field, T, Workflow
from yunjiao.workflows.processes.roles import COUNTY, SYSTEM, TOWNSHIP


class S(models.TextChoices):
    INVESTIGATING = "investigating", "司法所调查核实中"
    COUNTY_REVIEW = "county_review", "待县级机构决定"
    DECIDED = "decided", "已决定，待送达"
    DELIVERED = "delivered", "已送达并抄送检察院"
    NOT_DECIDED = "not_decided", "决定不予处理"
    WITHDRAWN = "withdrawn", "已撤销立案"


def declare(name: str, label: str, noun: str, document: str, description: str) -> Workflow:
    # 训诫/警告: the investigation (询问) and the decision are enforcement acts (certificate gating); 表扬 is not.
    enforcement = name != "commendation"
    wf = Workflow(
        name, label, S, S.INVESTIGATING, final={S.DELIVERED, S.NOT_DECIDED, S.WITHDRAWN},
        description=description,
        transitions=[
            T("open", f"登记{noun}事实", (), S.INVESTIGATING, TOWNSHIP | COUNTY | SYSTEM, deadline=None),
            T("submit_investigation", "提交调查报告并提出建议", S.INVESTIGATING, S.COUNTY_REVIEW, TOWNSHIP | COUNTY,
              fields=(Field("investigation_report", "调查核实情况", "textarea"),), enforcement=enforcement),
            T("return_investigation", "退回补充调查", S.COUNTY_REVIEW, S.INVESTIGATING, COUNTY, needs_note=True,
              style="secondary"),
            T("decide", f"作出{label}决定", S.COUNTY_REVIEW, S.DECIDED, COUNTY,
              fields=(Field("decision_number", "决定书文号", max_length=64),
                      Field("decision_date", "决定日期", "date", past_only=True)),
              effects=(h.record_decision,), documents=(document,), enforcement=enforcement),
            T("decline", "决定不予处理", S.COUNTY_REVIEW, S.NOT_DECIDED, COUNTY, needs_note=True, style="danger"),
            T("deliver", "送达对象并抄送检察院", S.DECIDED, S.DELIVERED, TOWNSHIP | COUNTY,
              fields=(Field("delivered_on", "送达日期", "date", past_only=True),),
              effects=(h.after_delivery,), documents=("sanction_notice",)),  # 奖惩情况通知书 (copy to the procuratorate)
            T("withdraw", "撤销立案", S.INVESTIGATING, S.WITHDRAWN, TOWNSHIP | COUNTY, needs_note=True,
              style="secondary"),
        ],
    )
    wf.record_backed = True  # steps read the DisciplineRecord; table-driven tests in yunjiao/discipline/tests
    return wf

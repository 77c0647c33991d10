"""交付接收 — handover and intake (入矫) (domain.md §2.2).

LAW art.20: the deciding authority notifies the execution-place agency within 5 days and delivers
the documents within 10 days of the judgment taking effect.  LAW art.21: the subject reports
within 10 days (D6) — the clock runs from the judgment's effective date.  LAW art.22: check the
documents, verify identity, register, open the file, announce.  LAW art.24/25: correction plan and
correction team (a woman in it for a female subject).  Missing documents when the subject reports:
ask the deciding authority to complete them within 5 days (D5, IM unverified).  Day 10 passes
without a report: the scanner marks the case 逾期未报到 and the agency organises a search (D6/D8).
"""

from django.db import models

from yunjiao.subjects.choices import ReceptionMethod, SupervisionLevel
from yunjiao.workflows.engine import DeadlineSpec, Field, T, Workflow, register
from yunjiao.workflows.processes.effects import (
    raise_report_overdue,
    record_documents_received,
    record_report,
    set_initial_level,
)
from yunjiao.workflows.processes.guards import (
    documents_received,
    juvenile_announcement_not_public,
    needs_subject,
    plan_drawn_up,
    report_deadline_passed,
    team_formed,
)
from yunjiao.workflows.processes.roles import COUNTY, OFFICERS, SYSTEM


class S(models.TextChoices):
    NOTIFIED = "notified", "已收到交付通知"
    AWAITING_REPORT = "awaiting_report", "待报到"
    NOT_REPORTED = "not_reported", "逾期未报到(查找中)"
    REPORTED = "reported", "已报到"
    REGISTERED = "registered", "已登记建档"
    ANNOUNCED = "announced", "已入矫宣告"
    IN_CORRECTION = "in_correction", "在矫"


RECEPTION = tuple(ReceptionMethod.choices)
LEVELS = tuple(SupervisionLevel.choices)
DOCS_DATE = Field("documents_received_date", "法律文书收到日期", "date", past_only=True)

WORKFLOW = register(Workflow(
    "intake", "交付接收", S, S.NOTIFIED, final={S.IN_CORRECTION},
    description="社区矫正法第20—25条；报到期限：判决、裁定生效之日起10日",
    transitions=[
        T("receive_notice", "登记交付通知", (), S.NOTIFIED, COUNTY, guards=(needs_subject,),
          fields=(Field("notice_date", "收到通知日期", "date", past_only=True),
                  Field("judgment_effective_date", "判决(裁定、决定)生效日期", "date", past_only=True)),
          deadline=DeadlineSpec("D6", start="field:judgment_effective_date")),
        T("receive_documents", "登记收到法律文书", S.NOTIFIED, S.AWAITING_REPORT, COUNTY,
          fields=(DOCS_DATE,), documents=("legal_documents_receipt",), effects=(record_documents_received,),
          help="核对判决书、执行通知书等文书，并向决定机关送达回执"),
        T("report", "登记报到", (S.AWAITING_REPORT, S.NOT_REPORTED), S.REPORTED, OFFICERS, deadline=None,
          fields=(Field("report_date", "报到日期", "date", past_only=True),
                  Field("reception_method", "接收方式", "choice", choices=RECEPTION)),
          effects=(record_report,)),
        T("report_without_documents", "登记报到(文书未到，发补齐通知)", S.NOTIFIED, S.REPORTED, OFFICERS,
          fields=(Field("report_date", "报到日期", "date", past_only=True),
                  Field("reception_method", "接收方式", "choice", choices=RECEPTION)),
          documents=("documents_completion_notice",), effects=(record_report,),
          deadline=DeadlineSpec("D5", start="field:report_date")),
        T("complete_documents", "登记补齐的法律文书", S.REPORTED, None, COUNTY, deadline=None,
          fields=(DOCS_DATE,), documents=("legal_documents_receipt",), style="secondary",
          effects=(record_documents_received,)),
        T("register", "登记建档", S.REPORTED, S.REGISTERED, COUNTY, guards=(documents_received,),
          fields=(Field("file_number", "档案编号", max_length=32),),
          documents=("subject_basic_info_form", "report_status_notice")),
        T("announce", "入矫宣告", S.REGISTERED, S.ANNOUNCED, OFFICERS,
          guards=(juvenile_announcement_not_public,), needs_attachment=False,
          fields=(Field("announcement_date", "宣告日期", "date", past_only=True),
                  Field("public", "公开宣告", "bool", required=False),
                  Field("attendees", "参加人员", "textarea")),
          documents=("intake_announcement", "rights_obligations_notice"), enforcement=True),
        T("start_correction", "确定矫正小组、方案和管理等级，转入在矫", S.ANNOUNCED, S.IN_CORRECTION, COUNTY,
          guards=(team_formed, plan_drawn_up),
          fields=(Field("initial_level", "初始管理等级", "choice", choices=LEVELS),),
          documents=("correction_team_list", "responsibility_agreement", "correction_plan",
                     "supervision_level_approval_form"), effects=(set_initial_level,)),
        T("mark_not_reported", "逾期未报到，组织查找", (S.NOTIFIED, S.AWAITING_REPORT), S.NOT_REPORTED,
          SYSTEM | COUNTY, guards=(report_deadline_passed,), deadline=None, style="danger",
          documents=("report_status_notice",), effects=(raise_report_overdue,),
          help="报到期限届满仍未报到：立即组织查找并通知决定机关", enforcement=True),
    ],
))

"""执行地变更 — change of execution place (domain.md §2.6, §5.1 D12; LAW art.27 para 2).

Application with proof → 司法所 opinion → written consultation of the receiving county agency
(inside the system when that county uses Yunjiao — it replies on its own page — otherwise an external
letter recorded here) → reply → decision → files handed over (the subject's execution org moves: the
only place it changes, leave.services.move_subject) → the subject reports to the new agency within 7
days → received.  Not reporting in time → 未按时报到 anomaly.
"""

from django.db import models

from yunjiao.leave import hooks as h
from yunjiao.workflows.engine import DeadlineSpec, Field, T, Workflow, register
from yunjiao.workflows.processes.roles import COUNTY, SYSTEM, TOWNSHIP


class S(models.TextChoices):
    APPLIED = "applied", "已申请，待司法所意见"
    COUNTY_REVIEW = "county_review", "待县级机构征求意见"
    CONSULTING = "consulting", "征求新执行地意见中"
    REPLIED = "replied", "新执行地已回复"
    APPROVED = "approved", "准予变更，待移交档案"
    AWAITING_REPORT = "awaiting_report", "待到新执行地报到"
    RECEIVED = "received", "新执行地已接收"
    NOT_REPORTED = "not_reported", "逾期未报到"
    REJECTED = "rejected", "不准予变更"
    WITHDRAWN = "withdrawn", "已撤回"


REPLIES = (("accept", "同意接收"), ("refuse", "不同意接收"))

WORKFLOW = register(Workflow(
    "transfer", "执行地变更", S, S.APPLIED, final={S.RECEIVED, S.REJECTED, S.WITHDRAWN},
    description="社区矫正法第27条第2款；征求意见5日、回复5日、收到决定后7日内报到(实施办法，未核实)",
    transitions=[
        T("apply", "提交执行地变更申请", (), S.APPLIED, TOWNSHIP | COUNTY | SYSTEM, deadline=None),
        T("township_opinion", "司法所出具意见", S.APPLIED, S.COUNTY_REVIEW, TOWNSHIP, needs_note=True),
        T("consult", "书面征求新执行地意见", S.COUNTY_REVIEW, S.CONSULTING, COUNTY,
          fields=(Field("letter_number", "征求意见函文号", max_length=64),
                  Field("sent_on", "发函日期", "date", past_only=True)),
          effects=(h.notify_receiving_county,), documents=("residence_verification_request",),
          deadline=DeadlineSpec("D12", start="field:sent_on")),
        T("record_reply", "登记新执行地回复(系统外)", S.CONSULTING, S.REPLIED, COUNTY, guards=(h.external_only,),
          fields=(Field("reply", "回复意见", "choice", choices=REPLIES),
                  Field("reply_letter", "回复函文号", max_length=64),
                  Field("replied_on", "回复日期", "date", past_only=True)), deadline=None),
        T("receive_reply", "新执行地回复(系统内)", S.CONSULTING, S.REPLIED, SYSTEM, deadline=None,
          fields=(Field("reply", "回复意见", "choice", choices=REPLIES),
                  Field("replied_on", "回复日期", "date", past_only=True)), automatic=True,
          documents=("residence_verification_reply",)),
        T("approve", "决定准予变更", S.REPLIED, S.APPROVED, COUNTY, guards=(h.reply_accepted,),
          fields=(Field("decision_number", "决定书文号", max_length=64),
                  Field("decision_delivered_on", "决定书送达对象日期", "date", past_only=True)),
          effects=(h.set_report_due,), documents=("transfer_approval_form", "transfer_decision", "transfer_notice"),
          deadline=DeadlineSpec("D12_REPORT", start="field:decision_delivered_on")),
        T("reject", "决定不准予变更", (S.COUNTY_REVIEW, S.REPLIED), S.REJECTED, COUNTY, needs_note=True,
          deadline=None, style="danger"),
        T("hand_over", "移交档案", S.APPROVED, S.AWAITING_REPORT, COUNTY, effects=(h.hand_over,),
          fields=(Field("handed_over_on", "移交日期", "date", past_only=True),),
          documents=("file_transfer_letter", "file_transfer_list")),
        T("confirm_received", "新执行地登记报到接收", (S.AWAITING_REPORT, S.NOT_REPORTED), S.RECEIVED,
          TOWNSHIP | COUNTY, fields=(Field("reported_on", "报到日期", "date", past_only=True),), deadline=None),
        T("mark_not_reported", "标记逾期未报到", S.AWAITING_REPORT, S.NOT_REPORTED, SYSTEM,
          guards=(h.report_due_passed,), effects=(h.raise_not_reported,), automatic=True),
        T("withdraw", "撤回申请", (S.APPLIED, S.COUNTY_REVIEW), S.WITHDRAWN, TOWNSHIP | COUNTY | SYSTEM,
          deadline=None, style="secondary"),
    ],
))

WORKFLOW.record_backed = True  # steps read the transfer row; table-driven tests in yunjiao/leave/tests

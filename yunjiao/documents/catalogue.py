"""The catalogue of document types (文书), as data.  Pure Python: no ORM, no Django.

One `DocumentType` per document in domain.md §4 (the 73-row catalogue; several rows name two documents,
e.g. "警告审批表 + 警告决定书", and each becomes a type).  For each type:

* `code` — English snake_case, stable: workflows reference it (`documents=("warning_decision",)`).
* `steps` — the (process, transition) pairs that produce it.  Process names are the workflow modules
  (`pre_sentence_assessment`, `intake`, `daily`, `monitoring`, `leave`, `business_travel`, `transfer`,
  `discipline`, `discharge`, `termination`); transition names are imperative verbs.  Types made by the
  e-file itself (卷内目录, 备考表, 封面) have no step: `steps == ()` and `produced_by_case_file`.
* `signer` — who signs and so whose name is in the signature block and whose 文号 series is used:
  `township` (司法所), `county` (县级社区矫正机构), `county_head` (县司法局负责人, art.29 approvals).
  `subject_signs` marks forms the subject signs as well (applications, receipts of notices).
* `archive` — the file it goes into: `enforcement` (执法档案, kept by the county), `working` (工作档案, kept by
  the 司法所) or `both`; `section` + `order` sort it inside the file (卷内目录 order).
* `source` — how sure the name is, copied from domain.md §4: `verified` (✔), `public_code` (◐),
  `inferred` (✖).  Unverified names are configuration: a city replaces the template, the code stays.
* `incoming` types are documents other organs send (判决书, 执行通知书, 委托函 …): upload only, no template.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from yunjiao.documents.fields import COMMON_FIELD_NAMES, FIELDS

# The processes of domain.md.  Those that are declared workflows (yunjiao/workflows/processes) must really have
# the steps named here, and those steps must declare the document (workflows/tests/test_document_codes.py).
# "daily", "monitoring" and "discipline" (the 审批表/考核 forms) are not workflows: their documents are made on
# demand from the subject's 文书卷宗 page.
PROCESSES = (
    "pre_sentence_assessment", "intake", "daily", "monitoring", "leave", "business_travel", "transfer",
    "discipline", "discharge", "termination", "commendation", "admonition", "warning", "police_penalty_request",
    "arrest_request",
)
# `steps=ON_DEMAND`: made on demand from the subject's 文书卷宗 page when the event happens (首次谈话笔录,
# 外出申请书 …); no workflow step produces it.
ON_DEMAND = "on_demand"
SIGNERS = {"township": "司法所", "county": "县级社区矫正机构", "county_head": "县司法局负责人"}
ARCHIVES = {"enforcement": "执法档案", "working": "工作档案", "both": "执法档案、工作档案"}
SOURCES = {"verified": "已核实", "public_code": "见于公开代码", "inferred": "推定"}
LAYOUTS = ("notice", "form", "record", "certificate", "list", "toc", "cover", "text")

STAGES = {
    "pre_sentence_assessment": "调查评估",
    "intake": "交付接收",
    "daily": "日常监督管理",
    "monitoring": "电子定位",
    "leave": "日常外出",
    "business_travel": "经营性外出",
    "transfer": "执行地变更",
    "discipline": "考核奖惩",
    "discharge": "解除矫正",
    "termination": "终止矫正",
    "whole": "全程",
}


@dataclass(frozen=True)
class ArchiveSection:
    code: str
    title: str
    order: int


# Order of a subject's file (Sichuan 2022 archive rule as summarised in domain.md §4: basic information,
# investigation materials, legal documents of the deciding authority, intake, daily management/approvals …).
SECTIONS: dict[str, ArchiveSection] = {s.code: s for s in (
    ArchiveSection("front", "卷首（封面、卷内目录）", 0),
    ArchiveSection("basic", "基本信息", 1),
    ArchiveSection("assessment", "调查评估材料", 2),
    ArchiveSection("legal", "法律文书", 3),
    ArchiveSection("intake", "交付接收（入矫）材料", 4),
    ArchiveSection("supervision", "监督管理及审批材料", 5),
    ArchiveSection("education", "教育帮扶材料", 6),
    ArchiveSection("sanctions", "考核奖惩材料", 7),
    ArchiveSection("closing", "解除、终止材料", 8),
    ArchiveSection("oversight", "法律监督材料", 9),
    ArchiveSection("back", "卷尾（备考表）", 10),
)}


@dataclass(frozen=True)
class DocumentType:
    code: str
    title: str
    stage: str
    steps: tuple[tuple[str, str], ...]
    signer: str
    archive: str
    section: str
    order: int
    source: str
    row: int  # row of domain.md §4
    layout: str = "notice"
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    number_series: str | None = None  # the word in the 文号 (警 → 济任司矫警字〔2026〕第7号); None: no 文号
    body: str = ""  # paragraphs ("\n"-separated) with placeholders; empty: one line per field
    subject_signs: bool = False
    incoming: bool = False
    source_note: str = ""
    produced_by_case_file: bool = False
    on_demand: bool = False  # no workflow step produces it: made from the subject's 文书卷宗 page
    approvals: tuple[str, ...] = field(default=())  # opinion rows printed on a 审批表

    @property
    def numbered(self) -> bool:
        return self.number_series is not None

    @property
    def generated(self) -> bool:
        return not self.incoming

    @property
    def fields(self) -> tuple[str, ...]:
        return self.required + self.optional

    @property
    def allowed_placeholders(self) -> frozenset[str]:
        """Every name a template of this type may use (common fields + its declared fields)."""
        return COMMON_FIELD_NAMES | frozenset(self.fields)

    @property
    def sort_key(self) -> tuple[int, int]:
        return (SECTIONS[self.section].order, self.order)

    def in_archive(self, archive: str) -> bool:
        return self.archive in (archive, "both")


_OPINIONS_COUNTY = ("township_opinion", "county_opinion")
_OPINIONS_HEAD = ("county_opinion", "head_opinion")

_TYPES: list[DocumentType] = []


def _t(code, title, stage, steps, signer, archive, section, order, source, row, **kw) -> None:
    if kw.get("layout") == "form" and "approvals" not in kw:
        kw["approvals"] = {"township": ("township_opinion",), "county": _OPINIONS_COUNTY,
                           "county_head": ("township_opinion",) + _OPINIONS_HEAD}[signer]
    # the opinion fields printed on a form are optional fields of the type (blank lines for handwriting)
    if steps == ON_DEMAND:
        steps, kw["on_demand"] = (), True
    approvals = kw.get("approvals", ())
    kw["optional"] = tuple(kw.get("optional", ())) + tuple(a for a in approvals if a not in kw.get("optional", ()))
    _TYPES.append(DocumentType(code, title, stage, tuple(steps), signer, archive, section, order, source, row,
                               **kw))


def _in(code, title, stage, section, order, row, source="verified", note=""):
    """An incoming document: uploaded with its type, date and number; never generated."""
    _TYPES.append(DocumentType(code, title, stage, (), "county", "both", section, order, source, row,
                               layout="", incoming=True, source_note=note))


A = "pre_sentence_assessment"
# ---------------------------------------------------------------------------------------------- 调查评估
_in("assessment_commission_letter", "调查评估委托函", A, "assessment", 1, 1,
    note="R1 字段“调查评估委托函”；《刑诉法解释》第282条“委托调查函”")
_t("assessment_assignment_notice", "调查评估指派通知书", A, [(A, "assign")], "county", "enforcement",
   "assessment", 2, "inferred", 2, number_series="调",
   required=("recipient", "commissioning_body", "commission_number", "assessee_role", "proposed_category",
             "due_date_cn"),
   body="{{ recipient }}：\n"
        "{{ commissioning_body }}以{{ commission_number }}委托我局对{{ assessee_role }}{{ subject.name }}"
        "（{{ subject.sex }}，{{ subject.birth_date_cn }}出生，居住地：{{ subject.residence_address }}）"
        "是否适宜适用{{ proposed_category }}进行调查评估。现指派你所开展调查，"
        "请于{{ due_date_cn }}前将调查材料及意见报送我局。")
_t("assessment_interview_record", "调查评估询问笔录", A, [(A, "submit_findings")], "township", "both",
   "assessment", 3, "verified", 3, layout="record",
   required=("record_time", "record_place", "interviewer", "recorder", "interviewee", "interviewee_relation",
             "record_content"),
   source_note="DB32/T 3246-2017 附录A")
_t("assessment_opinion_approval_form", "调查评估意见呈批表", A, [(A, "submit_for_review")],
   "county", "enforcement", "assessment", 4, "verified", 4, layout="form",
   required=("commissioning_body", "commission_number", "proposed_category", "assessment_conclusion",
             "assessment_reason"),
   source_note="DB32/T 3246-2017 附录B")
_t("assessment_opinion", "调查评估意见书", A, [(A, "approve")], "county", "both", "assessment", 5,
   "verified", 5, number_series="调",
   required=("recipient", "commission_number", "commission_date_cn", "assessee_role", "proposed_category",
             "residence_situation", "family_relations", "past_behaviour", "offence_impact",
             "community_opinion", "victim_opinion", "assessment_conclusion", "assessment_reason"),
   optional=("proposed_prohibitions", "copy_to"),
   body="{{ recipient }}：\n"
        "受你院（局）{{ commission_date_cn }}{{ commission_number }}委托，我局对{{ assessee_role }}{{ subject.name }}"
        "（{{ subject.sex }}，{{ subject.birth_date_cn }}出生，身份证号码{{ subject.id_number }}，"
        "居住地{{ subject.residence_address }}）进行了调查评估。现将有关情况报告如下：\n"
        "一、居所情况：{{ residence_situation }}\n"
        "二、家庭和社会关系：{{ family_relations }}\n"
        "三、一贯表现：{{ past_behaviour }}\n"
        "四、犯罪行为的后果和影响：{{ offence_impact }}\n"
        "五、居住地村（居）民委员会意见：{{ community_opinion }}\n"
        "六、被害人意见：{{ victim_opinion }}\n"
        "七、拟禁止的事项：{{ proposed_prohibitions }}\n"
        "综上，我局认为{{ subject.name }}{{ assessment_conclusion }}适用{{ proposed_category }}。"
        "{{ assessment_reason }}",
   source_note="2012《社区矫正执法文书格式》文书1；DB32/T 3246-2017 附录C")
_t("assessment_return_letter", "调查评估退回函", A, [(A, "return_unable")], "county", "enforcement",
   "assessment", 6, "inferred", 6, number_series="函",
   required=("recipient", "commission_number", "return_reason"),
   body="{{ recipient }}：\n你院（局）{{ commission_number }}关于对{{ subject.name }}进行调查评估的委托函及相关材料收悉。"
        "{{ return_reason }}现将委托函及相关材料退回，请予核查。",
   source_note="山西细则第5条：不得无故拒绝，应说明理由")

N = "intake"
# ---------------------------------------------------------------------------------------------- 交付接收
_in("enforcement_notice", "执行通知书", N, "legal", 1, 7)
_in("criminal_judgment", "刑事判决书", N, "legal", 2, 7)
_in("criminal_ruling", "刑事裁定书", N, "legal", 3, 7)
_in("incidental_civil_judgment", "刑事附带民事判决书", N, "legal", 4, 7, source="public_code")
_in("temporary_release_decision", "暂予监外执行决定书", N, "legal", 5, 7)
_in("parole_ruling", "假释裁定书", N, "legal", 6, 7)
_in("parole_certificate", "假释证明书", N, "legal", 7, 7)
_in("indictment", "起诉书", N, "legal", 8, 7)
_in("case_closing_form", "罪犯结案登记表", N, "legal", 9, 7, source="public_code")
_in("execution_advice_notice", "罪犯执行告知书", N, "legal", 10, 7, source="public_code")
_t("legal_documents_receipt", "法律文书送达回执", N, [(N, "receive_documents"), (N, "complete_documents")], "county", "enforcement",
   "intake", 1, "verified", 8, number_series=None,
   required=("recipient", "received_documents", "received_date_cn"),
   body="{{ recipient }}：\n你单位送达的{{ subject.name }}（{{ subject.category }}）{{ received_documents }}，"
        "我局已于{{ received_date_cn }}收到。特此回执。",
   source_note="2012《实施办法》第5条“送达回执”（二手来源）")
_t("documents_completion_notice", "法律文书补齐通知书", N, [(N, "report_without_documents")], "county",
   "enforcement", "intake", 2, "inferred", 9, number_series="函",
   required=("recipient", "missing_documents"),
   body="{{ recipient }}：\n社区矫正对象{{ subject.name }}已于{{ subject.report_date_cn }}到我局报到。"
        "经核对，尚缺下列法律文书：{{ missing_documents }}。请于五日内送达（补齐）。")
_t("subject_basic_info_form", "社区矫正对象基本信息表", N, [(N, "register")], "county", "both", "basic", 1,
   "verified", 10, layout="form", approvals=(),
   source_note="2012《社区矫正执法文书格式》文书2")
_t("report_status_notice", "社区矫正对象报到情况通知单", N, [(N, "register"), (N, "mark_not_reported")], "county",
   "enforcement", "intake", 3, "verified", 11, number_series="通",
   required=("recipient", "report_status"), optional=("copy_to",),
   body="{{ recipient }}：\n你单位{{ subject.judgment_number }}判决（裁定、决定）的社区矫正对象{{ subject.name }}"
        "（{{ subject.category }}），报到情况为：{{ report_status }}，报到日期：{{ subject.report_date_cn }}。"
        "特此通知。",
   source_note="2012《社区矫正执法文书格式》文书3")
_t("temporary_release_handover", "暂予监外执行罪犯交接书", N, ON_DEMAND, "county",
   "enforcement", "intake", 4, "inferred", 12, layout="form",
   required=("handover_unit", "handover_date_cn", "received_documents"), approvals=())
_t("first_interview_record", "首次谈话笔录", N, ON_DEMAND, "township", "both", "intake", 5,
   "public_code", 13, layout="record",
   required=("record_time", "record_place", "interviewer", "recorder", "interviewee", "record_content"),
   source_note="R2“社区矫正人员首次谈话笔录”")
_t("intake_announcement", "社区矫正宣告书", N, [(N, "announce")], "county", "both", "intake", 6,
   "verified", 14, required=("announcement_place",), optional=("announcement_attendees",),
   body="社区矫正对象{{ subject.name }}：\n"
        "你因犯{{ subject.charges }}，经{{ subject.deciding_authority }}{{ subject.judgment_number }}"
        "判处（裁定、决定）{{ subject.original_term }}，依法实行社区矫正。"
        "矫正期限{{ subject.correction_term }}，自{{ subject.period_start_cn }}起至{{ subject.period_end_cn }}止。\n"
        "依照《中华人民共和国社区矫正法》第二十二条，现向你宣告：社区矫正期间应当遵守法律、行政法规，"
        "履行判决、裁定、暂予监外执行决定等法律文书确定的义务，遵守国务院司法行政部门关于报告、会客、"
        "外出、迁居、保外就医等监督管理规定，服从社区矫正机构的管理。违反上述规定的，将依法给予训诫、"
        "警告，提请治安管理处罚，或者依法提请撤销缓刑、撤销假释、对暂予监外执行的收监执行。\n"
        "宣告地点：{{ announcement_place }}。",
   subject_signs=True, source_note="《社区矫正法》第22条“宣告”；R1、R2")
_t("rights_obligations_notice", "社区矫正告知书", N, [(N, "announce")], "county", "both", "intake", 7,
   "inferred", 15, subject_signs=True,
   body="社区矫正对象{{ subject.name }}：\n"
        "根据《中华人民共和国社区矫正法》，现将你在社区矫正期间的权利和义务告知如下：\n"
        "一、你的人格尊严、人身安全、合法财产、辩护、申诉、控告、检举以及其他未被依法剥夺或者限制的权利"
        "不受侵犯，在就业、就学和享受社会保障等方面不受歧视。\n"
        "二、你应当按照规定报告本人遵纪守法、接受监督管理、参加教育学习、公益活动和社会活动等情况；"
        "离开所居住的市、县或者迁居，应当报经批准。\n"
        "三、你应当按照规定参加教育学习和公益活动，接受信息化核查和实地查访。\n"
        "以上内容已向本人告知。")
_t("responsibility_agreement", "社区矫正责任书", N, [(N, "start_correction")], "township", "working", "intake", 8,
   "public_code", 16, required=("guarantor_name", "guarantor_relation"), subject_signs=True,
   body="为帮助社区矫正对象{{ subject.name }}顺利完成社区矫正，{{ guarantor_relation }}关系人{{ guarantor_name }}"
        "自愿作为矫正小组成员，承担下列责任：\n"
        "一、协助司法所对社区矫正对象进行监督管理和教育帮扶；\n"
        "二、发现社区矫正对象有违法违规或者异常情况，及时向司法所报告；\n"
        "三、督促社区矫正对象按时报告、参加教育学习和公益活动。",
   source_note="R2“社区矫正责任书”")
_t("correction_team_list", "矫正小组成员名单", N, [(N, "start_correction")], "township", "both", "intake", 9,
   "verified", 17, layout="list", required=("team_leader", "team_members"),
   source_note="2012 通知“确定矫正小组”；《社区矫正法》第25条")
_t("volunteer_agreement", "志愿者帮教协议书", N, ON_DEMAND, "township", "working", "intake", 10,
   "public_code", 18, required=("volunteer_name",),
   body="甲方：{{ org.township_name }}\n乙方（志愿者）：{{ volunteer_name }}\n"
        "乙方自愿参加社区矫正对象{{ subject.name }}的帮教工作，在矫正期间定期与其谈心交流，了解思想动态，"
        "协助开展教育帮扶，对工作中知悉的个人信息予以保密。甲方为乙方开展帮教提供必要的指导和支持。",
   source_note="R2")
_t("correction_plan", "社区矫正方案", N, [(N, "start_correction"), ("daily", "adjust_plan")], "township", "both",
   "intake", 11, "verified", 19, layout="form", approvals=("township_opinion", "county_opinion"),
   required=("plan_supervision", "plan_education", "plan_assistance"),
   source_note="《社区矫正法》第24条；R1 CorrectionPlan")
_t("supervision_level_approval_form", "分类管理审批表", N,
   [(N, "start_correction"), ("daily", "change_level")], "county", "both", "intake", 12, "public_code", 20,
   layout="form", required=("old_level", "new_level", "level_reason"),
   source_note="R1 CateModifyInfo；R2“修改监管等级”")
_t("exit_entry_report_notice", "出入境报备通知书", N, ON_DEMAND, "county", "enforcement",
   "intake", 13, "public_code", 21, number_series="通", required=("exit_entry_authority",),
   body="{{ exit_entry_authority }}：\n社区矫正对象{{ subject.name }}（{{ subject.sex }}，身份证号码"
        "{{ subject.id_number }}），因犯{{ subject.charges }}被判处{{ subject.original_term }}，"
        "矫正期限自{{ subject.period_start_cn }}起至{{ subject.period_end_cn }}止。"
        "依照有关规定，该对象在社区矫正期间属于法定不准出境人员，现予报备。",
   source_note="国移民公〔2021〕420号（名称已核实）；R1“报备”")
_t("document_custody_register", "出入境证件代管登记表", N, ON_DEMAND, "county",
   "enforcement", "intake", 14, "public_code", 21, layout="list", required=("certificates",))

D = "daily"
# ---------------------------------------------------------------------------------------------- 日常监督管理
_t("periodic_report_record", "社区矫正对象定期报告登记表", D, [(D, "record_report")], "township", "working",
   "supervision", 1, "public_code", 22, layout="form", required=("event_date_cn", "report_content"),
   subject_signs=True, source_note="《社区矫正法》第23条；R2“思想汇报”")
_t("field_visit_record", "实地查访记录", D, [(D, "record_field_visit")], "township", "working",
   "supervision", 2, "verified", 23, layout="record",
   required=("event_date_cn", "event_place", "participants", "event_content"),
   source_note="《社区矫正法》第26条；R2“走访登记”")
_t("individual_education_record", "个别教育谈话记录", D, [(D, "record_individual_education")], "township",
   "working", "education", 1, "public_code", 24, layout="record",
   required=("event_date_cn", "event_place", "participants", "event_content"))
_t("group_education_record", "集中教育学习记录", D, [(D, "record_group_education")], "township", "working",
   "education", 2, "public_code", 25, layout="record",
   required=("event_date_cn", "event_place", "event_content", "hours"))
_t("community_service_record", "公益活动记录", D, [(D, "record_community_service")], "township", "working",
   "education", 3, "verified", 26, layout="record",
   required=("event_date_cn", "event_place", "event_content", "hours"),
   source_note="《社区矫正法》第42条；R2“社区服务”")
_t("info_check_record", "信息化核查记录", D, [(D, "record_info_check")], "township", "working",
   "supervision", 3, "verified", 27, layout="form", approvals=("township_opinion",),
   required=("check_period", "check_results"), source_note="《社区矫正法》第26条")
_t("visitor_approval_form", "会客审批表", D, [(D, "approve_visitor")], "county", "both", "supervision", 4,
   "public_code", 28, layout="form", required=("visitor_name", "visitor_relation", "visit_reason", "visit_time"),
   subject_signs=True, source_note="R1 VisitorInfo")
_t("special_place_approval_form", "进入特定区域（场所）审批表", D, [(D, "approve_special_place")], "county",
   "both", "supervision", 5, "verified", 29, layout="form",
   required=("prohibition_content", "place_name", "entry_period", "entry_reason"), subject_signs=True,
   source_note="2012 通知“进入特定场所审批”；R1 BanInfo")
_t("prohibition_compliance_report", "禁止令执行情况报告", D, [(D, "report_prohibition_compliance")],
   "township", "working", "supervision", 6, "inferred", 30, layout="form", approvals=("township_opinion",),
   required=("prohibition_content", "compliance"), subject_signs=True)
_t("medical_reexam_record", "病情复查情况登记表", D, [(D, "record_medical_reexam")], "township", "both",
   "supervision", 7, "public_code", 31, layout="form", approvals=("township_opinion",),
   required=("hospital", "event_date_cn", "reexam_result"))
_t("medical_reexam_extension_form", "病情复查延期审批表", D, [(D, "approve_reexam_extension")], "county",
   "both", "supervision", 8, "public_code", 31, layout="form", required=("extension_reason",),
   source_note="评查表“病情复查延期”")
_t("medical_appraisal_commission", "医学司法鉴定委托书", D, [(D, "commission_medical_appraisal")], "county",
   "enforcement", "supervision", 9, "public_code", 31, number_series="鉴",
   required=("appraisal_institution", "appraisal_items"),
   body="{{ appraisal_institution }}：\n我局正在执行的暂予监外执行社区矫正对象{{ subject.name }}"
        "（{{ subject.temporary_release_type }}），现委托你单位对下列事项进行鉴定：{{ appraisal_items }}。"
        "请依法出具鉴定意见。",
   source_note="R2“社区矫正人员医学司法鉴定委托书”")
_t("temporary_release_extension_proposal", "延长暂予监外执行建议书", D, [(D, "propose_extension")], "county",
   "enforcement", "supervision", 10, "public_code", 32, number_series="建",
   required=("recipient", "extension_reason"), optional=("copy_to",),
   body="{{ recipient }}：\n暂予监外执行社区矫正对象{{ subject.name }}，{{ subject.judgment_number }}决定暂予监外执行。"
        "{{ extension_reason }}根据有关规定，建议延长其暂予监外执行期限。请审查决定。",
   source_note="R2")
_t("lost_contact_search_record", "脱管（失联）查找记录", D, [(D, "search_lost_contact")], "township", "both",
   "supervision", 11, "verified", 33, layout="record",
   required=("lost_contact_date_cn", "search_measures", "search_result"),
   source_note="《社区矫正法》第30条；R2“脱管管理”")
_t("lost_contact_report", "社区矫正对象脱管情况报告", D, [(D, "report_lost_contact")], "township", "both",
   "supervision", 12, "public_code", 33, required=("recipient", "lost_contact_date_cn", "search_measures"),
   optional=("search_result",),
   body="{{ recipient }}：\n社区矫正对象{{ subject.name }}于{{ lost_contact_date_cn }}失去联系。"
        "我所已采取以下查找措施：{{ search_measures }}\n查找结果：{{ search_result }}\n特此报告。")
_t("risk_meeting_record", "矫情分析会记录", D, [(D, "hold_risk_meeting")], "township", "working",
   "supervision", 13, "verified", 34, layout="record",
   required=("event_date_cn", "event_place", "participants", "meeting_content", "meeting_measures"),
   source_note="济宁报告“矫情分析会”")
_t("procuratorate_reply", "检察建议（纠正意见）回复函", D, [(D, "reply_to_procuratorate")], "county",
   "enforcement", "oversight", 2, "verified", 72, number_series="函",
   required=("recipient", "procuratorate_document", "reply_content"),
   body="{{ recipient }}：\n你院{{ procuratorate_document }}（涉及社区矫正对象{{ subject.name }}）收悉。现将有关情况回复如下：\n{{ reply_content }}",
   source_note="《社区矫正法》第62条")
_in("procuratorate_suggestion", "检察建议书", "whole", "oversight", 1, 72)
_in("correction_opinion", "纠正意见书", "whole", "oversight", 1, 72)

M = "monitoring"
# ---------------------------------------------------------------------------------------------- 电子定位
_t("monitoring_approval_form", "使用电子定位装置审批表", M, [(M, "approve")], "county_head",
   "enforcement", "supervision", 20, "verified", 35, layout="form",
   required=("monitoring_ground", "monitoring_start_cn", "monitoring_end_cn"),
   source_note="《社区矫正法》第29条：县级司法行政部门负责人批准；表名推定")
_t("monitoring_notice", "使用电子定位装置告知书", M, [(M, "fit_device")], "county", "both", "supervision", 21,
   "inferred", 36, required=("monitoring_ground", "monitoring_start_cn", "monitoring_end_cn", "device_number"),
   subject_signs=True,
   body="社区矫正对象{{ subject.name }}：\n因你{{ monitoring_ground }}，经县级司法行政部门负责人批准，"
        "自{{ monitoring_start_cn }}起至{{ monitoring_end_cn }}止对你使用电子定位装置（编号{{ device_number }}）。"
        "使用期间，你应当妥善佩戴和保管装置，不得拆卸、损毁或者屏蔽信号，按要求充电；"
        "违反上述要求的，将依法给予训诫、警告等处理。\n以上内容已向本人告知。")
_t("monitoring_extension_form", "延长使用电子定位装置审批表", M, [(M, "extend")], "county_head",
   "enforcement", "supervision", 22, "verified", 37, layout="form",
   required=("extension_reason", "monitoring_start_cn", "monitoring_end_cn"),
   source_note="《社区矫正法》第29条：每次延长不超过三个月；表名推定")
_t("monitoring_removal_notice", "解除电子定位装置通知书", M, [(M, "remove"), (M, "remove_early")], "county",
   "both", "supervision", 23, "verified", 38, number_series="定", required=("removal_reason",),
   subject_signs=True,
   body="社区矫正对象{{ subject.name }}：\n对你使用的电子定位装置（编号{{ device_number }}），因{{ removal_reason }}"
        "决定自{{ issue_date_cn }}起予以解除。",
   optional=("device_number",),
   source_note="《社区矫正法》第29条；名称推定")

L = "leave"
# ---------------------------------------------------------------------------------------------- 外出
_t("leave_application", "外出申请书", L, ON_DEMAND, "township", "working", "supervision", 30,
   "inferred", 39, layout="form", approvals=(), subject_signs=True,
   required=("destination", "leave_reason", "leave_start_cn", "leave_end_cn", "leave_days", "leave_contact"))
_t("leave_approval_form", "外出审批表", L, [(L, "approve_township"), (L, "approve_county"), (L, "approve_city")],
   "county", "both", "supervision", 31, "verified", 40, layout="form",
   approvals=("township_opinion", "county_opinion", "city_opinion"),
   required=("destination", "leave_reason", "leave_start_cn", "leave_end_cn", "leave_days"),
   source_note="2012 通知；闵侯县“社区矫正人员外出审批表”")
_t("leave_certificate", "社区矫正对象外出证明", L, [(L, "approve_township"), (L, "approve_county"), (L, "approve_city")], "county", "both", "supervision", 32,
   "verified", 41, layout="certificate", number_series="外",
   required=("destination", "leave_reason", "leave_start_cn", "leave_end_cn"),
   body="兹有社区矫正对象{{ subject.name }}（{{ subject.sex }}，身份证号码{{ subject.id_number }}），"
        "因{{ leave_reason }}，经批准于{{ leave_start_cn }}至{{ leave_end_cn }}前往{{ destination }}。"
        "请沿途及目的地有关部门予以协助监督。外出期间应当遵守有关规定，按期返回并办理销假手续。",
   source_note="闵侯县“社区矫正人员外出证明”")
_t("leave_extension_form", "延长外出（续假）审批表", L, ON_DEMAND, "county", "both",
   "supervision", 33, "inferred", 42, layout="form",
   required=("destination", "extension_reason", "leave_end_cn"))
_t("leave_return_register", "销假登记表", L, [(L, "register_return")], "township", "both", "supervision", 34,
   "public_code", 43, layout="form", approvals=("township_opinion",), subject_signs=True,
   required=("destination", "leave_start_cn", "leave_end_cn", "return_date_cn", "leave_performance"))
_t("frequent_travel_approval_form", "经常性跨市县活动审批表", L, ON_DEMAND, "county",
   "both", "supervision", 35, "verified", 44, layout="form", subject_signs=True,
   required=("destination", "leave_reason", "leave_start_cn", "leave_end_cn"),
   source_note="《社区矫正法》第27条“简化批准程序和方式”")
B = "business_travel"
_t("business_travel_application", "经营性外出申请表", B, ON_DEMAND, "township", "working",
   "supervision", 40, "verified", 45, layout="form", approvals=("township_opinion",), subject_signs=True,
   required=("business_name", "business_purpose", "destination", "leave_start_cn", "leave_end_cn"),
   source_note="济宁报告“经营性外出”")
_t("business_travel_approval_form", "经营性外出审批表", B, [(B, "approve")], "county", "both", "supervision",
   41, "verified", 45, layout="form",
   required=("business_name", "business_purpose", "destination", "leave_start_cn", "leave_end_cn"),
   source_note="济宁报告；嘉兴2025年指引")
_t("business_travel_certificate", "经营性外出证明", B, [(B, "approve")], "county", "both",
   "supervision", 42, "verified", 45, layout="certificate", number_series="外",
   required=("business_name", "business_purpose", "destination", "leave_start_cn", "leave_end_cn"),
   body="兹有社区矫正对象{{ subject.name }}（{{ subject.sex }}，身份证号码{{ subject.id_number }}），"
        "系{{ business_name }}经营管理人员，因{{ business_purpose }}，经批准于{{ leave_start_cn }}至"
        "{{ leave_end_cn }}期间前往{{ destination }}开展经营活动。请有关部门予以协助监督。")
_t("supervision_assistance_letter", "协助监管函", L,
   ON_DEMAND, "county", "enforcement", "supervision", 36,
   "inferred", 46, number_series="函",
   required=("recipient", "destination", "leave_start_cn", "leave_end_cn", "leave_contact"),
   body="{{ recipient }}：\n我局社区矫正对象{{ subject.name }}经批准于{{ leave_start_cn }}至{{ leave_end_cn }}"
        "前往你辖区{{ destination }}，外出期间联系电话{{ leave_contact }}。请予协助监督管理，"
        "发现违法违规情况请及时告知我局。")

T = "transfer"
# ---------------------------------------------------------------------------------------------- 执行地变更
_in("residence_verification_letter_incoming", "居住地审核函", T, "supervision", 59, 49, source="public_code")
_in("transfer_letter_incoming", "社区矫正对象执行地变更函", T, "supervision", 59, 49, source="public_code")
_t("transfer_application", "执行地变更申请书", T, ON_DEMAND, "township", "working", "supervision", 50,
   "inferred", 47, layout="form", approvals=(), subject_signs=True,
   required=("new_residence", "transfer_reason"))
_t("transfer_approval_form", "执行地变更审批表", T, [(T, "approve")], "county",
   "both", "supervision", 51, "verified", 48, layout="form",
   required=("new_residence", "new_county", "transfer_reason"), optional=("consultation_result",),
   source_note="2012 通知“居住地变更审批”")
_t("residence_verification_request", "执行地变更征求意见函", T, [(T, "consult")], "county",
   "enforcement", "supervision", 52, "public_code", 49, number_series="函",
   required=("recipient", "new_residence", "transfer_reason"),
   body="{{ recipient }}：\n我局社区矫正对象{{ subject.name }}（{{ subject.category }}，矫正期限自"
        "{{ subject.period_start_cn }}起至{{ subject.period_end_cn }}止）申请将执行地变更至你辖区"
        "{{ new_residence }}，理由：{{ transfer_reason }}请你局核实其居住情况并于五日内书面回复意见。")
_t("residence_verification_reply", "执行地变更征求意见回复函", T, [(T, "receive_reply")], "county",
   "enforcement", "supervision", 53, "public_code", 49, number_series="函",
   required=("recipient", "new_residence", "consultation_result"),
   body="{{ recipient }}：\n你局关于社区矫正对象{{ subject.name }}执行地变更至{{ new_residence }}的征求意见函收悉。"
        "{{ consultation_result }}")
_t("transfer_decision", "执行地变更决定书", T, [(T, "approve")], "county", "both", "supervision", 54,
   "verified", 50, number_series="变", required=("new_residence", "new_county"), subject_signs=True,
   body="社区矫正对象{{ subject.name }}：\n你申请将执行地变更至{{ new_residence }}，经审查，依照《中华人民共和国"
        "社区矫正法》第二十七条，决定同意你的执行地变更申请。你应当自收到本决定书之日起七日内到"
        "{{ new_county }}报到。逾期不报到的，将依法处理。",
   source_note="《社区矫正法》第27条")
_t("transfer_notice", "执行地变更通知书", T, [(T, "approve")], "county", "enforcement", "supervision", 55,
   "verified", 50, number_series="通", required=("recipient", "new_residence", "new_county"),
   optional=("copy_to",),
   body="{{ recipient }}：\n经审查，我局决定将社区矫正对象{{ subject.name }}（{{ subject.category }}，"
        "{{ subject.judgment_number }}）的执行地变更为{{ new_residence }}，由{{ new_county }}接收。特此通知。",
   source_note="《社区矫正法》第27条第2款")
_t("file_transfer_letter", "社区矫正档案移交函", T, [(T, "hand_over")], "county", "enforcement",
   "supervision", 56, "inferred", 51, number_series="函", required=("recipient",),
   body="{{ recipient }}：\n社区矫正对象{{ subject.name }}执行地已变更至你辖区，现将其社区矫正档案材料移交你局"
        "（清单附后），请查收并回执。")
_t("file_transfer_list", "社区矫正档案移交清单", T, [(T, "hand_over")], "county", "enforcement",
   "supervision", 57, "inferred", 51, layout="list", required=("new_county", "items"))

P = "discipline"
# ---------------------------------------------------------------------------------------------- 考核奖惩
_t("monthly_assessment_form", "社区矫正对象月度考核评议表", P, [(P, "record_monthly_score")], "township",
   "working", "sanctions", 1, "public_code", 52, layout="form", approvals=("township_opinion",),
   required=("score_month", "score", "score_details"), source_note="R2“月度考核评议”；R1 ScoreInfo")


def _pair(stem, word, title_form, title_decision, row, source_form, source_dec, note, order, decision_body,
          form_steps, decision_steps, decision_required=("facts", "legal_basis"), signer_form="county",
          dec_kw=None):
    _t(f"{stem}_approval_form" if "审批" in title_form else f"{stem}_review_form", title_form, "discipline", form_steps,
       signer_form, "both", "sanctions", order, source_form, row, layout="form",
       required=("facts", "evidence", "legal_basis", "proposal"), source_note=note)
    _t(f"{stem}_decision" if "决定" in title_decision else f"{stem}_proposal", title_decision, "discipline", decision_steps,
       "county", "both", "sanctions", order + 1, source_dec, row, number_series=word,
       required=decision_required, body=decision_body, source_note=note, **(dec_kw or {}))


_pair("commendation", "奖", "表扬审批表", "表扬决定书", 53, "public_code", "inferred",
      "R1“表扬审批表”；《社区矫正法》第28条", 10,
      "社区矫正对象{{ subject.name }}：\n经查，{{ facts }}依照{{ legal_basis }}，决定给予你表扬。"
      "望你继续努力，争取更好表现。",
      [(P, "propose_commendation")], [("commendation", "decide")], dec_kw={"subject_signs": True})
_t("violation_inquiry_record", "违规调查询问笔录", P, [(P, "investigate")], "township", "both", "sanctions", 20,
   "inferred", 54, layout="record",
   required=("record_time", "record_place", "interviewer", "recorder", "interviewee", "interviewee_relation",
             "record_content"))
_pair("admonition", "训", "训诫审批表", "训诫决定书", 55, "inferred", "inferred",
      "《社区矫正法》第28条“训诫”；表名推定", 30,
      "社区矫正对象{{ subject.name }}：\n经查，{{ facts }}\n上述行为违反了社区矫正监督管理规定。"
      "依照{{ legal_basis }}，决定给予你训诫。你应当深刻反省，认真遵守监督管理规定。"
      "如不服本决定，可以在收到本决定书之日起向本局提出申辩。",
      [(P, "propose_admonition")], [("admonition", "decide")], dec_kw={"subject_signs": True})
_pair("warning", "警", "警告审批表", "警告决定书", 56, "verified", "verified",
      "2012 通知“警告”；R2", 40,
      "社区矫正对象{{ subject.name }}：\n经查，{{ facts }}\n上述行为违反了社区矫正监督管理规定。"
      "依照{{ legal_basis }}，决定给予你警告。你应当深刻反省，认真遵守监督管理规定；"
      "受到警告后仍不改正的，将依法提请撤销缓刑、撤销假释或者收监执行。",
      [(P, "propose_warning")], [("warning", "decide")], dec_kw={"subject_signs": True})
_pair("police_penalty", "治", "提请治安管理处罚审核表", "治安管理处罚建议书", 57, "verified", "verified",
      "2012 通知；《社区矫正法》第28、59条", 50,
      "{{ recipient }}：\n社区矫正对象{{ subject.name }}（{{ subject.category }}），{{ facts }}"
      "其行为违反了监督管理规定，依照{{ legal_basis }}，建议对其给予治安管理处罚（{{ penalty_requested }}）。"
      "现将有关材料移送你局，请依法处理并将结果告知我局。",
      [(P, "propose_police_penalty")], [("police_penalty_request", "request")],
      decision_required=("recipient", "facts", "legal_basis", "penalty_requested"),
      dec_kw={"optional": ("evidence", "copy_to")})
_pair("probation_revocation", "撤", "提请撤销缓刑审核表", "撤销缓刑建议书", 58, "verified", "verified",
      "《社区矫正法》第46条“建议书”；R2", 60,
      "{{ recipient }}：\n社区矫正对象{{ subject.name }}，因犯{{ subject.charges }}经{{ subject.judgment_number }}"
      "判处{{ subject.original_term }}，缓刑考验期自{{ subject.period_start_cn }}起至{{ subject.period_end_cn }}止。"
      "在缓刑考验期内，{{ facts }}\n证据：{{ evidence }}\n依照{{ legal_basis }}，建议撤销其缓刑，执行原判刑罚。"
      "请依法裁定。",
      [(P, "propose_probation_revocation")], [("termination", "propose")],
      decision_required=("recipient", "facts", "evidence", "legal_basis"), dec_kw={"optional": ("copy_to",)})
_pair("parole_revocation", "撤", "提请撤销假释审核表", "撤销假释建议书", 59, "verified", "verified",
      "《社区矫正法》第46条；R2", 70,
      "{{ recipient }}：\n社区矫正对象{{ subject.name }}，因犯{{ subject.charges }}被判处{{ subject.original_term }}，"
      "经{{ subject.judgment_number }}裁定假释，考验期自{{ subject.period_start_cn }}起至"
      "{{ subject.period_end_cn }}止。在假释考验期内，{{ facts }}\n证据：{{ evidence }}\n"
      "依照{{ legal_basis }}，建议撤销其假释。请依法裁定。",
      [(P, "propose_parole_revocation")], [("termination", "propose")],
      decision_required=("recipient", "facts", "evidence", "legal_basis"), dec_kw={"optional": ("copy_to",)})
_t("arrest_request", "提请逮捕建议书", P,
   [("arrest_request", "request")], "county", "both", "sanctions", 80,
   "verified", 60, number_series="捕", required=("recipient", "facts", "legal_basis"), optional=("copy_to",),
   body="{{ recipient }}：\n我局已向你院提请撤销社区矫正对象{{ subject.name }}的缓刑（假释）。"
        "鉴于{{ facts }}可能逃跑或者发生社会危险，依照{{ legal_basis }}，建议对其予以逮捕。",
   source_note="《社区矫正法》第47条")
_pair("committal", "收", "提请收监执行审核表", "收监执行建议书", 61, "inferred", "verified",
      "《社区矫正法》第49条；R2", 90,
      "{{ recipient }}：\n暂予监外执行社区矫正对象{{ subject.name }}，因犯{{ subject.charges }}被判处"
      "{{ subject.original_term }}，经{{ subject.judgment_number }}决定暂予监外执行。在暂予监外执行期间，"
      "{{ facts }}\n证据：{{ evidence }}\n依照{{ legal_basis }}，建议对其收监执行。请依法决定。",
      [(P, "propose_committal")], [("termination", "propose")],
      decision_required=("recipient", "facts", "evidence", "legal_basis"), dec_kw={"optional": ("copy_to",)})
_pair("sentence_reduction", "减", "提请减刑审核表", "减刑建议书", 62, "inferred", "verified",
      "《社区矫正法》第33条", 100,
      "{{ recipient }}：\n社区矫正对象{{ subject.name }}，因犯{{ subject.charges }}被判处{{ subject.original_term }}。"
      "在社区矫正期间，{{ facts }}\n{{ reduction_basis }}依照{{ legal_basis }}，建议对其予以减刑。请依法裁定。",
      [(P, "propose_sentence_reduction")], [(P, "request_sentence_reduction")],
      decision_required=("recipient", "facts", "reduction_basis", "legal_basis"),
      dec_kw={"optional": ("copy_to",)})
_t("sanction_notice", "奖惩情况通知书", P,
   [("commendation", "deliver"), ("admonition", "deliver"), ("warning", "deliver")], "county", "enforcement",
   "sanctions", 110, "inferred", 63, number_series="通", required=("recipient", "facts", "proposal"),
   body="{{ recipient }}：\n社区矫正对象{{ subject.name }}（{{ subject.category }}），{{ facts }}"
        "我局已作出如下处理：{{ proposal }}特此通知。")

C = "discharge"
# ---------------------------------------------------------------------------------------------- 解除
_t("personal_summary", "社区矫正对象个人总结", C, [(C, "evaluate")], "township", "both", "closing", 1,
   "verified", 64, layout="text", required=("summary_content",), subject_signs=True,
   source_note="2012《实施办法》第29条“个人总结”（二手来源）")
_t("expiry_appraisal_form", "社区矫正期满鉴定表", C, [(C, "evaluate")], "county", "both", "closing", 2,
   "public_code", 65, layout="form", required=("performance", "attitude"), optional=("resettlement_suggestion",),
   source_note="R2“社区服刑人员矫正期满鉴定表”")
_t("discharge_announcement", "解除社区矫正宣告书", C, [(C, "announce")], "county", "both", "closing", 3,
   "public_code", 66, required=("performance", "discharge_date_cn"), subject_signs=True,
   body="社区矫正对象{{ subject.name }}：\n你因犯{{ subject.charges }}被判处{{ subject.original_term }}，"
        "于{{ subject.period_start_cn }}起依法实行社区矫正。矫正期间，{{ performance }}\n"
        "你的社区矫正期限将于{{ discharge_date_cn }}届满，依照《中华人民共和国社区矫正法》第四十四条，"
        "现宣告解除社区矫正。",
   source_note="R2；公开代码")
_t("discharge_certificate", "解除社区矫正证明书", C, [(C, "discharge")], "county", "both", "closing", 4,
   "verified", 67, layout="certificate", number_series="解", required=("discharge_type", "discharge_date_cn"),
   body="社区矫正对象{{ subject.name }}，{{ subject.sex }}，{{ subject.birth_date_cn }}出生，身份证号码"
        "{{ subject.id_number }}，因犯{{ subject.charges }}经{{ subject.deciding_authority }}"
        "{{ subject.judgment_number }}判处{{ subject.original_term }}，"
        "于{{ subject.period_start_cn }}起实行社区矫正。现因{{ discharge_type }}，"
        "依照《中华人民共和国社区矫正法》第四十四条，于{{ discharge_date_cn }}解除社区矫正。特此证明。",
   source_note="《社区矫正法》第44条；R2")
_t("discharge_notice", "解除社区矫正通知书", C, [(C, "notify_authorities")], "county", "enforcement", "closing", 5,
   "verified", 68, number_series="通", required=("recipient", "discharge_type", "discharge_date_cn"),
   optional=("copy_to",),
   body="{{ recipient }}：\n你单位{{ subject.judgment_number }}判决（裁定、决定）的社区矫正对象{{ subject.name }}"
        "（{{ subject.category }}），因{{ discharge_type }}，已于{{ discharge_date_cn }}解除社区矫正，"
        "我局已向其发放解除社区矫正证明书。特此通知。",
   source_note="《社区矫正法》第44条；R2")
_t("resettlement_handover_form", "刑满释放（解矫）人员安置帮教衔接表", C, [(C, "notify_authorities")],
   "township", "working", "closing", 6, "inferred", 69, layout="form", approvals=("township_opinion",),
   required=("performance", "resettlement_suggestion"))

X = "termination"
# ---------------------------------------------------------------------------------------------- 终止
_t("termination_notice", "终止社区矫正通知书", X,
   [(X, "record_revoked"), (X, "notify_death")], "county",
   "enforcement", "closing", 10, "verified", 70, number_series="终",
   required=("recipient", "termination_type", "termination_date_cn", "termination_reason"),
   optional=("copy_to",),
   body="{{ recipient }}：\n社区矫正对象{{ subject.name }}（{{ subject.category }}，{{ subject.judgment_number }}），"
        "{{ termination_reason }}依照《中华人民共和国社区矫正法》第四十五条，其社区矫正于"
        "{{ termination_date_cn }}终止（{{ termination_type }}）。特此通知。",
   source_note="《社区矫正法》第45、51条；名称推定")
_t("death_report", "社区矫正对象死亡情况报告", X, [(X, "notify_death")], "county", "both", "closing", 11,
   "verified", 71, required=("recipient", "death_date_cn", "death_cause"),
   body="{{ recipient }}：\n社区矫正对象{{ subject.name }}（{{ subject.category }}）于{{ death_date_cn }}死亡，"
        "死亡原因：{{ death_cause }}依照《中华人民共和国社区矫正法》第五十一条，特此报告。",
   source_note="《社区矫正法》第51条；R2“死亡登记”")
_in("death_certificate", "居民死亡医学证明书", X, "closing", 12, 71)

W = "whole"
# ---------------------------------------------------------------------------------------------- 卷宗
_t("case_file_cover", "社区矫正档案封面", W, [], "county", "both", "front", 1, "verified", 73, layout="cover",
   required=("archive_kind", "file_number", "retention"), produced_by_case_file=True,
   source_note="甘肃2021档案规定（新闻摘录）")
_t("case_file_contents", "卷内目录", W, [], "county", "both", "front", 2, "verified", 73, layout="toc",
   required=("archive_kind", "entries"), produced_by_case_file=True)
_t("case_file_notes", "卷内备考表", W, [], "county", "both", "back", 1, "verified", 73, layout="text",
   required=("file_number", "notes", "compiler", "checker"), produced_by_case_file=True)

del A, N, D, M, L, B, T, P, C, X, W

CATALOGUE: dict[str, DocumentType] = {}
for _dt in _TYPES:
    if _dt.code in CATALOGUE:
        raise ValueError(f"duplicate document type code {_dt.code}")
    CATALOGUE[_dt.code] = _dt


def get(code: str) -> DocumentType:
    try:
        return CATALOGUE[code]
    except KeyError:
        raise KeyError(f"未知的文书类型：{code}") from None


def generated_types() -> list[DocumentType]:
    return [t for t in CATALOGUE.values() if t.generated]


def incoming_types() -> list[DocumentType]:
    return [t for t in CATALOGUE.values() if t.incoming]


def produced_by(process: str, transition: str) -> list[DocumentType]:
    """Document types a workflow transition produces (the steps declare the same codes: workflows.document_fields.document_problems)."""
    return [t for t in CATALOGUE.values() if (process, transition) in t.steps]


def archive_order(archive: str) -> list[DocumentType]:
    """Types of one file (enforcement / working) in 卷内目录 order."""
    return sorted((t for t in CATALOGUE.values() if t.in_archive(archive)), key=lambda t: t.sort_key)


def check_catalogue() -> list[str]:
    """Consistency problems of the catalogue, in Chinese (empty list = fine).  Run by the tests."""
    problems = []
    for t in CATALOGUE.values():
        if t.stage not in STAGES:
            problems.append(f"{t.code}：未知阶段 {t.stage}")
        if t.signer not in SIGNERS:
            problems.append(f"{t.code}：未知签发层级 {t.signer}")
        if t.archive not in ARCHIVES:
            problems.append(f"{t.code}：未知档案类别 {t.archive}")
        if t.section not in SECTIONS:
            problems.append(f"{t.code}：未知档案分类 {t.section}")
        if t.source not in SOURCES:
            problems.append(f"{t.code}：未知来源状态 {t.source}")
        if t.incoming:
            continue
        if t.layout not in LAYOUTS:
            problems.append(f"{t.code}：未知版式 {t.layout}")
        for process, transition in t.steps:
            if process not in PROCESSES:
                problems.append(f"{t.code}：未知流程 {process}")
            if not transition.isidentifier() or transition != transition.lower():
                problems.append(f"{t.code}：环节名 {transition} 不是 snake_case")
        if not t.steps and not t.produced_by_case_file and not t.on_demand:
            problems.append(f"{t.code}：没有产生该文书的流程环节")
        for name in t.fields:
            if name not in FIELDS:
                problems.append(f"{t.code}：字段 {name} 未在 fields.py 中声明")
        if len(set(t.fields)) != len(t.fields):
            problems.append(f"{t.code}：字段重复")
    return problems

"""Placeholder fields a document template may use (pure data, no ORM).

Two kinds of names exist inside a template:

* **common fields** (`COMMON_FIELDS`): the same for every document type — the subject (`subject.*`), the
  issuing org (`org.*`), the handling officer (`officer.*`), the 文号 (`document_number`) and the issue date
  (`issue_date_cn`, `issue_date`).  The services fill them from the database.
* **type fields** (`FIELDS`): facts that belong to one process step (a leave's destination, a warning's
  facts …).  Each document type in `catalogue.py` declares which of them it needs (`required`) and which it
  may show (`optional`).  The workflow step that produces the document supplies them.

A field is written in a template as `{{ name }}`; a table field (`kind="rows"`) is looped over with
`{%tr for r in name %}` and its columns are `{{ r.<column> }}`.  `demo` values make every template render
in tests, benchmarks and the template-download page ("样例数据").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    demo: object
    multiline: bool = False
    kind: str = "text"  # "text" | "rows"
    columns: tuple[tuple[str, str], ...] = ()  # rows only: (column name, column label)


def _f(name, label, demo, multiline=False):
    return FieldSpec(name, label, demo, multiline=multiline)


def _rows(name, label, columns, demo):
    return FieldSpec(name, label, demo, kind="rows", columns=tuple(columns))


# --------------------------------------------------------------------------------------------------
# Common fields: available to every template.  Dotted names; the services build nested dicts.
COMMON_FIELDS: tuple[FieldSpec, ...] = (
    _f("subject.name", "姓名", "张某某"),
    _f("subject.former_name", "曾用名", "无"),
    _f("subject.sex", "性别", "男"),
    _f("subject.ethnicity", "民族", "汉族"),
    _f("subject.birth_date_cn", "出生日期", "一九八八年三月十二日"),
    _f("subject.age", "年龄", "38"),
    _f("subject.id_number", "身份证号码", "370811198803120019"),
    _f("subject.number", "矫正对象编号", "370811202600007"),
    _f("subject.category", "矫正类别", "缓刑"),
    _f("subject.temporary_release_type", "暂予监外执行类型", ""),
    _f("subject.charges", "罪名", "危险驾驶罪"),
    _f("subject.crime_facts", "主要犯罪事实", "2025年9月3日晚，张某某醉酒驾驶机动车在任城区太白楼路被查获。"),
    _f("subject.original_penalty", "原判刑罚", "拘役"),
    _f("subject.original_term", "原判刑期", "拘役三个月"),
    _f("subject.supplementary_penalty", "附加刑", "罚金人民币五千元"),
    _f("subject.deciding_authority", "社区矫正决定机关", "济宁市任城区人民法院"),
    _f("subject.judgment_number", "判决(决定)文书号", "（2026）鲁0811刑初123号"),
    _f("subject.judgment_date_cn", "判决(决定)日期", "二〇二六年十月九日"),
    _f("subject.judgment_effective_date_cn", "判决(决定)生效日期", "二〇二六年十月二十日"),
    _f("subject.correction_term", "矫正期限", "六个月"),
    _f("subject.period_start_cn", "矫正起始日期", "二〇二六年十月二十日"),
    _f("subject.period_end_cn", "矫正结束日期", "二〇二七年四月十九日"),
    _f("subject.residence_address", "居住地", "山东省济宁市任城区古槐街道红星中路88号"),
    _f("subject.household_address", "户籍地", "山东省济宁市任城区古槐街道红星中路88号"),
    _f("subject.phone", "联系电话", "13905370007"),
    _f("subject.work_unit", "工作单位", "济宁市某物流有限公司"),
    _f("subject.education", "文化程度", "高中"),
    _f("subject.marital_status", "婚姻状况", "已婚"),
    _f("subject.political_status", "政治面貌", "群众"),
    _f("subject.health_status", "健康状况", "良好"),
    _f("subject.employment", "就业就学情况", "就业"),
    _f("subject.supervision_level", "管理等级", "普管"),
    _f("subject.report_date_cn", "报到日期", "二〇二六年十月二十三日"),
    _f("subject.prohibitions", "禁止令内容", "无"),
    _f("org.name", "发文机构", "济宁市任城区社区矫正管理局"),
    _f("org.short_name", "机构简称", "任"),
    _f("org.city_name", "市级机构", "济宁市司法局"),
    _f("org.county_name", "县级社区矫正机构", "济宁市任城区社区矫正管理局"),
    _f("org.township_name", "司法所", "任城区司法局古槐司法所"),
    _f("org.address", "机构地址", "济宁市任城区建设北路12号"),
    _f("org.phone", "机构电话", "0537-2345678"),
    _f("officer.name", "承办人", "李明"),
    _f("document_number", "文号", "济任司矫警字〔2026〕第7号"),
    _f("document_title", "文书名称", "警告决定书"),
    _f("issue_date_cn", "落款日期", "二〇二六年十一月二十八日"),
    _f("issue_date", "日期(数字)", "2026-11-28"),
)

COMMON_FIELD_NAMES: frozenset[str] = frozenset(f.name for f in COMMON_FIELDS)

# --------------------------------------------------------------------------------------------------
# Type fields.  Dates given to a template are already written in Chinese numerals (suffix _cn).
_TYPE_FIELDS: tuple[FieldSpec, ...] = (
    # addressing
    _f("recipient", "主送单位", "济宁市任城区人民法院"),
    _f("copy_to", "抄送", "济宁市任城区人民检察院、济宁市公安局任城分局"),
    # pre-sentence assessment (§2.1)
    _f("commissioning_body", "委托机关", "济宁市任城区人民法院"),
    _f("commission_number", "委托函文号", "（2026）鲁0811刑初123号"),
    _f("commission_date_cn", "委托日期", "二〇二六年九月二十日"),
    _f("assessee_role", "被调查评估人类型", "被告人"),
    _f("proposed_category", "拟适用矫正类别", "缓刑"),
    _f("due_date_cn", "完成期限", "二〇二六年十月九日"),
    _f("residence_situation", "居所情况", "在居住地有固定住所，与配偶、子女共同居住，已连续居住五年以上。", True),
    _f("family_relations", "家庭和社会关系", "家庭关系和睦，配偶在本地务工，父母身体健康，能够履行监护帮教责任。", True),
    _f("past_behaviour", "一贯表现", "平时遵纪守法，无违法犯罪记录，邻里关系良好。", True),
    _f("offence_impact", "犯罪行为的后果和影响", "未造成人员伤亡和财产损失，社会影响较小。", True),
    _f("community_opinion", "村（居）民委员会意见", "同意对其实行社区矫正，愿意协助监督管理。", True),
    _f("victim_opinion", "被害人意见", "本案无被害人。", True),
    _f("proposed_prohibitions", "拟禁止的事项", "禁止在缓刑考验期内驾驶机动车。", True),
    _f("assessment_conclusion", "评估意见", "适宜"),
    _f("assessment_reason", "评估理由", "被告人具备社区矫正条件，对所居住社区无重大不良影响，建议适用社区矫正。", True),
    _f("return_reason", "退回原因", "经核实，被调查评估人在本辖区无固定住所，不符合调查评估管辖条件。", True),
    # records (笔录)
    _f("record_time", "时间", "二〇二六年九月二十五日九时至十时"),
    _f("record_place", "地点", "任城区司法局古槐司法所"),
    _f("interviewer", "询问（谈话）人", "李明、王芳"),
    _f("recorder", "记录人", "王芳"),
    _f("interviewee", "被询问（谈话）人", "张某某"),
    _f("interviewee_relation", "与对象关系", "本人"),
    _f("record_content", "笔录内容",
       "问：我们是任城区司法局古槐司法所的工作人员，现依法向你了解有关情况，你要如实回答，听明白了吗？\n"
       "答：听明白了。\n问：你现在的居住地址是哪里？\n答：济宁市任城区古槐街道红星中路88号。", True),
    # intake (§2.2)
    _f("received_documents", "收到的法律文书", "刑事判决书、执行通知书、结案登记表各一份", True),
    _f("received_date_cn", "收到日期", "二〇二六年十月二十二日"),
    _f("missing_documents", "需补齐的法律文书", "执行通知书", True),
    _f("report_status", "报到情况", "在规定时限内报到"),
    _f("handover_unit", "交付执行机关", "济宁市看守所"),
    _f("handover_date_cn", "交付日期", "二〇二六年十月二十三日"),
    _f("announcement_place", "宣告地点", "任城区社区矫正中心宣告室"),
    _f("announcement_attendees", "参加人员", "县级社区矫正机构工作人员、司法所工作人员、矫正小组成员、村（居）委会代表", True),
    _f("team_leader", "矫正小组组长", "李明（古槐司法所）"),
    _rows("team_members", "矫正小组成员", (("name", "姓名"), ("role", "身份"), ("unit", "工作单位"),
                                              ("phone", "联系电话")),
          [{"name": "李明", "role": "司法所工作人员", "unit": "古槐司法所", "phone": "0537-2345678"},
           {"name": "赵华", "role": "居委会工作人员", "unit": "红星社区居委会", "phone": "13805370001"},
           {"name": "张某", "role": "家庭成员", "unit": "个体", "phone": "13805370002"}]),
    _f("guarantor_name", "保证人（监护人）", "张某"),
    _f("guarantor_relation", "与对象关系", "父子"),
    _f("volunteer_name", "志愿者", "孙丽"),
    _f("plan_supervision", "监督管理措施", "每周电话报告一次，每月到司法所当面报告一次；实行信息化核查。", True),
    _f("plan_education", "教育矫正措施", "每月参加集中教育学习不少于八小时，开展交通安全法律法规专题教育。", True),
    _f("plan_assistance", "帮困扶助措施", "协调社区提供就业信息，引导参加职业技能培训。", True),
    _f("old_level", "原管理等级", "严管"),
    _f("new_level", "拟定管理等级", "普管"),
    _f("level_reason", "调整理由", "入矫以来服从监管，考核成绩良好，风险评估为低风险。", True),
    _f("exit_entry_authority", "报备机关", "济宁市公安局出入境管理支队"),
    _rows("certificates", "出入境证件", (("kind", "证件种类"), ("number", "证件号码"), ("date", "代管日期")),
          [{"kind": "普通护照", "number": "E12345678", "date": "2026-10-23"}]),
    # daily supervision (§2.3)
    _f("report_content", "报告内容", "本月遵守法律法规和监督管理规定，按时参加学习教育和公益活动，工作稳定。", True),
    _f("event_date_cn", "日期", "二〇二六年十一月十五日"),
    _f("event_place", "地点", "红星社区居委会"),
    _f("participants", "参加（接触）人员", "李明、赵华、对象配偶", True),
    _f("event_content", "主要内容", "了解对象近期工作、生活和思想状况，未发现异常情况。", True),
    _f("hours", "时长（小时）", "4"),
    _f("check_period", "核查期间", "二〇二六年十一月一日至十一月三十日"),
    _f("check_results", "核查结果", "共核查三十次，通过二十九次，一次因信号原因补核通过。", True),
    _f("visitor_name", "会客对象", "王某"),
    _f("visitor_relation", "与对象关系", "原同事"),
    _f("visit_reason", "会客事由", "商谈工作交接事宜", True),
    _f("visit_time", "会客时间", "二〇二六年十二月二日下午"),
    _f("place_name", "特定场所（区域）", "任城区某酒吧"),
    _f("entry_period", "进入期间", "二〇二六年十二月五日十九时至二十一时"),
    _f("entry_reason", "进入理由", "参加亲属婚礼宴席", True),
    _f("prohibition_content", "禁止令内容", "禁止在缓刑考验期内驾驶机动车。", True),
    _f("compliance", "执行情况", "报告期内严格遵守禁止令，未发现驾驶机动车行为。", True),
    _f("hospital", "诊断医院", "济宁医学院附属医院"),
    _f("reexam_result", "复查结论", "病情稳定，仍需继续治疗。", True),
    _f("extension_reason", "延期（延长）理由", "对象住院治疗，无法按期提交病情复查材料。", True),
    _f("appraisal_institution", "鉴定机构", "济宁市某司法鉴定所"),
    _f("appraisal_items", "鉴定事项", "对象是否仍符合保外就医条件", True),
    _f("lost_contact_date_cn", "失去联系日期", "二〇二六年十一月二十日"),
    _f("search_measures", "查找措施", "电话联系、信息化核查定位、实地查访其居住地和工作单位、联系其近亲属。", True),
    _f("search_result", "查找结果", "十一月二十一日在其亲属家中找到，已责令其到司法所报告。", True),
    _f("meeting_content", "分析内容", "对本月在矫对象的思想动态、风险等级逐一分析研判。", True),
    _f("meeting_measures", "工作措施", "对重点管控对象张某某增加实地查访频次。", True),
    # electronic monitoring (§2.4)
    _f("monitoring_ground", "适用情形", "违反人民法院禁止令（《社区矫正法》第二十九条第一款第（一）项）", True),
    _f("monitoring_start_cn", "使用起始日期", "二〇二六年十二月一日"),
    _f("monitoring_end_cn", "使用截止日期", "二〇二七年二月二十八日"),
    _f("device_number", "电子定位装置编号", "JN-EM-000123"),
    _f("removal_reason", "解除理由", "使用期限届满，经评估无需继续使用。", True),
    # leave and business travel (§2.5, §6.5)
    _f("destination", "外出目的地", "山东省济南市历下区"),
    _f("leave_reason", "外出事由", "陪同父亲到山东省立医院就医", True),
    _f("leave_start_cn", "外出起始日期", "二〇二六年十二月三日"),
    _f("leave_end_cn", "外出截止日期", "二〇二六年十二月九日"),
    _f("leave_days", "外出天数", "七"),
    _f("leave_contact", "外出期间联系方式", "13905370007"),
    _f("return_date_cn", "返回日期", "二〇二六年十二月九日"),
    _f("leave_performance", "外出期间表现", "外出期间按要求每日报告，按期返回。", True),
    _f("business_name", "经营企业", "济宁市某物流有限公司"),
    _f("business_purpose", "经营活动内容", "赴外地洽谈物流运输合同", True),
    # transfer (§2.6)
    _f("new_residence", "新居住地", "山东省济宁市兖州区鼓楼街道建设东路16号"),
    _f("new_county", "新执行地社区矫正机构", "济宁市兖州区社区矫正管理局"),
    _f("transfer_reason", "变更理由", "因工作调动迁居至兖州区，已购买住房并能连续居住六个月以上。", True),
    _f("consultation_result", "核实意见", "经实地核实，对象在新居住地有固定住所，同意接收。", True),
    _rows("items", "移交材料", (("no", "序号"), ("title", "材料名称"), ("pages", "页数"), ("note", "备注")),
          [{"no": "1", "title": "社区矫正对象基本信息表", "pages": "2", "note": ""},
           {"no": "2", "title": "刑事判决书", "pages": "6", "note": "复印件"}]),
    # discipline (§2.7)
    _f("score_month", "考核月份", "二〇二六年十一月"),
    _f("score", "考核得分", "92"),
    _f("score_details", "考核情况", "按时报告、参加学习教育和公益活动，无违规情形。", True),
    _f("facts", "事实", "社区矫正对象张某某于二〇二六年十一月二十日至二十一日未经批准擅自离开居住地，失去联系。", True),
    _f("evidence", "证据", "询问笔录、信息化核查记录、证人证言", True),
    _f("legal_basis", "法律依据", "《中华人民共和国社区矫正法》第二十八条", True),
    _f("proposal", "处理建议", "建议给予警告。", True),
    _f("penalty_requested", "建议处罚", "拘留", False),
    _f("reduction_basis", "减刑依据", "矫正期间确有悔改表现，有立功表现。", True),
    # discharge and termination (§2.8)
    _f("summary_content", "个人总结", "在社区矫正期间，我认真遵守法律法规和监督管理规定，按时报告，积极参加学习教育和公益活动。", True),
    _f("performance", "矫正期间表现", "矫正期间遵纪守法，服从管理，认罪悔罪，考核成绩良好。", True),
    _f("attitude", "认罪态度", "认罪服法"),
    _f("discharge_type", "解除类型", "期满解除"),
    _f("discharge_date_cn", "解除日期", "二〇二七年四月十九日"),
    _f("resettlement_suggestion", "帮教建议", "建议社区继续关注其就业情况。", True),
    _f("termination_type", "终止类型", "撤销缓刑"),
    _f("termination_date_cn", "终止日期", "二〇二七年一月十日"),
    _f("termination_reason", "终止原因", "人民法院裁定撤销缓刑，收监执行原判刑罚。", True),
    _f("death_date_cn", "死亡日期", "二〇二七年一月五日"),
    _f("death_cause", "死亡原因", "因病医治无效死亡（济宁医学院附属医院居民死亡医学证明）", True),
    # procuratorate (§1, art.62)
    _f("procuratorate_document", "检察建议（纠正意见）文号", "任检建〔2026〕12号"),
    _f("reply_content", "整改落实情况", "收到检察建议后，我局立即组织核查，已对相关工作人员进行批评教育，并完善了外出审批台账。", True),
    # archive (卷宗)
    _f("archive_kind", "档案类别", "执法档案"),
    _f("file_number", "档号", "任矫执-2026-007"),
    _f("retention", "保管期限", "长期"),
    _f("compiler", "立卷人", "李明"),
    _f("checker", "检查人", "王芳"),
    _f("notes", "说明", "本卷共计文书二十件，八十六页。", True),
    _rows("entries", "卷内文件", (("no", "序号"), ("document_number", "文号"), ("responsible", "责任者"),
                                     ("title", "题名"), ("date", "日期"), ("pages", "页号")),
          [{"no": "1", "document_number": "", "responsible": "任城区社区矫正管理局",
            "title": "社区矫正对象基本信息表", "date": "20261023", "pages": "1-2"},
           {"no": "2", "document_number": "济任司矫警字〔2026〕第7号", "responsible": "任城区社区矫正管理局",
            "title": "警告决定书", "date": "20261128", "pages": "3"}]),
    # approvals written on forms
    _f("township_opinion", "司法所意见", "情况属实，建议批准。", True),
    _f("county_opinion", "县级社区矫正机构意见", "同意。", True),
    _f("head_opinion", "负责人意见", "同意。", True),
    _f("city_opinion", "市级社区矫正机构意见", "同意。", True),
)

FIELDS: dict[str, FieldSpec] = {f.name: f for f in _TYPE_FIELDS}
COMMON: dict[str, FieldSpec] = {f.name: f for f in COMMON_FIELDS}


def label(name: str) -> str:
    spec = FIELDS.get(name) or COMMON.get(name)
    return spec.label if spec else name

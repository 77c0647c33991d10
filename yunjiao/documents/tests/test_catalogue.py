"""The catalogue is complete and consistent (domain.md §4)."""

from collections import Counter

import pytest

from yunjiao.documents import catalogue as c
from yunjiao.documents.build_templates import TEMPLATE_DIR, build_template, template_path
from yunjiao.documents.fields import COMMON_FIELD_NAMES, FIELDS


def test_codes_are_unique_snake_case_and_catalogue_is_consistent():
    codes = Counter(t.code for t in c._TYPES)
    assert [code for code, n in codes.items() if n > 1] == []
    for code in codes:
        assert code.isidentifier() and code == code.lower(), code
    assert c.check_catalogue() == []


def test_covers_the_whole_catalogue_of_domain_md():
    assert len(c.generated_types()) >= 66
    assert {t.row for t in c.CATALOGUE.values()} == set(range(1, 74))


def test_incoming_types_are_upload_only():
    titles = {t.title for t in c.incoming_types()}
    assert {"刑事判决书", "执行通知书", "调查评估委托函", "暂予监外执行决定书", "检察建议书"} <= titles
    for t in c.incoming_types():
        assert t.steps == () and not t.numbered
        assert not template_path(t.code).exists()


def test_every_process_produces_documents_and_steps_resolve():
    for process in c.PROCESSES:
        assert any(process == p for t in c.generated_types() for p, _ in t.steps), process
    assert [t.code for t in c.produced_by("warning", "decide")] == ["warning_decision"]
    assert [t.code for t in c.produced_by("warning", "deliver")] == ["sanction_notice"]
    assert [t.code for t in c.produced_by("discharge", "notify_authorities")] == [
        "discharge_notice", "resettlement_handover_form"]


def test_on_demand_types_name_no_step():
    on_demand = [t for t in c.CATALOGUE.values() if t.on_demand]
    assert {"first_interview_record", "leave_application"} <= {t.code for t in on_demand}
    assert all(t.steps == () and not t.incoming for t in on_demand)


def test_electronic_monitoring_approval_is_signed_by_the_county_bureau_head():
    # 社区矫正法 第29条: 经县级司法行政部门负责人批准
    assert c.get("monitoring_approval_form").signer == "county_head"
    assert c.get("monitoring_extension_form").signer == "county_head"


def test_decisions_and_letters_carry_a_document_number_records_do_not():
    assert c.get("warning_decision").number_series == "警"
    assert c.get("discharge_certificate").numbered
    assert not c.get("assessment_interview_record").numbered
    assert not c.get("leave_approval_form").numbered


def test_archive_order_follows_sections():
    order = c.archive_order("enforcement")
    assert order[0].code == "case_file_cover"
    keys = [t.sort_key for t in order]
    assert keys == sorted(keys)
    assert all(t.in_archive("working") for t in c.archive_order("working"))
    assert c.get("field_visit_record").archive == "working"
    assert not c.get("field_visit_record").in_archive("enforcement")


def test_every_generated_type_has_its_committed_template_equal_to_a_fresh_build():
    names = {p.stem for p in TEMPLATE_DIR.glob("*.docx")}
    assert names == {t.code for t in c.generated_types()}
    stale = [t.code for t in c.generated_types() if template_path(t.code).read_bytes() != build_template(t)]
    assert stale == [], "模板与生成脚本不一致，请运行 python -m yunjiao.documents.build_templates"


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_field_names_do_not_shadow_common_fields(name):
    assert name not in COMMON_FIELD_NAMES and name.split(".")[0] not in {"subject", "org", "officer"}

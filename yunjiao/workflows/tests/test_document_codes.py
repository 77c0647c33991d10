"""The workflows and the documents catalogue agree: every document a step declares exists, is generated and
names that step; every producing step the catalogue names for a declared workflow exists and declares it."""

from __future__ import annotations

from dataclasses import replace

from django.db import models

from yunjiao.documents.catalogue import CATALOGUE
from yunjiao.workflows.document_fields import document_problems
from yunjiao.workflows.engine import T, Workflow, all_workflows


def test_workflow_documents_and_catalogue_agree():
    assert document_problems() == []


def test_every_workflow_step_document_is_in_the_catalogue_by_name():
    codes = {c for wf in all_workflows() for t in wf.transitions for c in t.all_documents}
    assert len(codes) > 40
    assert codes <= set(CATALOGUE)


class _S(models.TextChoices):
    A = "a", "甲"
    B = "b", "乙"


def test_problems_are_reported_both_ways():
    wf = Workflow("pre_sentence_assessment", "调查评估", _S, _S.A, transitions=[
        T("assign", "指派", _S.A, _S.B, {"county_officer"}, documents=("no_such_code", "criminal_judgment")),
    ])
    catalogue = dict(CATALOGUE)
    catalogue["assessment_assignment_notice"] = replace(CATALOGUE["assessment_assignment_notice"],
                                                        steps=(("pre_sentence_assessment", "assign"),))
    problems = document_problems([wf], catalogue)
    text = "\n".join(problems)
    assert "no_such_code 不在文书目录中" in text
    assert "“刑事判决书”是外来文书" in text
    assert "指派司法所调查" not in text  # the fake step's label is used
    # the catalogue names assign for the assignment notice, but the step no longer declares it
    assert "“调查评估指派通知书”的产生环节 pre_sentence_assessment.assign 未声明生成该文书" in text
    # steps of the real process the fake one lacks
    assert "pre_sentence_assessment.approve 在流程“调查评估”中不存在" in text

"""`{% load workflow_tags %}{% subject_cases subject %}`: a subject's cases and the processes that can be
started for it — for the subject page (one line for the subjects app to add)."""

from django import template

from yunjiao.workflows.engine import all_workflows
from yunjiao.workflows.models import Case

register = template.Library()


@register.inclusion_tag("workflows/_subject_cases.html", takes_context=True)
def subject_cases(context, subject):
    user = context["request"].user
    cases = Case.objects.visible_to(user).filter(subject=subject).order_by("-opened_at")
    role = getattr(user, "role", "")
    starts = [(wf, t) for wf in all_workflows() if wf.name != "pre_sentence_assessment"
              for t in wf.starting() if role in t.roles]
    return {"subject": subject, "cases": cases, "starts": starts}

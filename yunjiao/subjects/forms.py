"""Forms parse input; the validation rules live in subjects.validation and run in the service."""

from __future__ import annotations

from django import forms
from django.db import models

from yunjiao.orgs.models import OrgLevel
from yunjiao.subjects import choices as c
from yunjiao.subjects.models import Subject
from yunjiao.subjects.services import org_choices_for

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

FORM_FIELDS = [
    "name", "former_name", "sex", "ethnicity", "nationality", "id_type", "birth_date", "household_type",
    "education", "marital_status", "political_status", "health_status", "mental_health_note", "employment",
    "work_unit", "category", "temporary_release_type", "charges", "crime_type", "crime_facts",
    "is_recidivist", "is_joint_crime", "prior_record", "original_penalty", "original_term",
    "original_term_start", "original_term_end", "supplementary_penalty", "deciding_authority_type",
    "deciding_authority", "judgment_number", "judgment_date", "judgment_effective_date", "correction_term",
    "period_start", "period_end", "documents_received_date", "report_date", "report_type",
    "reception_method", "was_assessed", "supervision_level", "risk_level", "is_key_subject",
    "info_check_enabled",
]


class SubjectForm(forms.ModelForm):
    id_number = forms.CharField(label="证件号码", max_length=32)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    household_address = forms.CharField(label="户籍地址", max_length=200, required=False)
    residence_address = forms.CharField(label="居住地址", max_length=200)
    township = forms.ModelChoiceField(label="负责司法所", queryset=None, empty_label="请选择司法所",
                                      error_messages={"invalid_choice": "所选司法所不存在或不在您的管辖范围内。"})
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    photo = forms.FileField(label="照片", required=False, help_text="JPG 或 PNG，不超过 2 MB",
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
                            error_messages={"invalid": "上传的照片无效。", "empty": "照片文件为空。"})

    class Meta:
        model = Subject
        fields = FORM_FIELDS
        widgets = {name: DATE for name in ["birth_date", "original_term_start", "original_term_end",
                                            "judgment_date", "judgment_effective_date", "period_start",
                                            "period_end", "documents_received_date", "report_date"]}
        widgets.update({"crime_facts": forms.Textarea(attrs={"rows": 3}),
                        "prior_record": forms.Textarea(attrs={"rows": 2})})

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = org_choices_for(user, OrgLevel.TOWNSHIP).select_related("parent")
        self.fields["township"].label_from_instance = lambda o: f"{o.parent.division_name} / {o.name}"
        for field in self.fields.values():
            field.error_messages.setdefault("required", "此项为必填项。")
            field.error_messages["required"] = "此项为必填项。"
            if isinstance(field, forms.DateField):
                field.error_messages["invalid"] = "请输入有效日期，格式如 2026-01-31。"
            if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
                field.error_messages["invalid_choice"] = "请选择列表中的选项。"
        if self.instance.pk:
            self.initial.update({
                "id_number": self.instance.id_number, "phone": self.instance.phone,
                "household_address": self.instance.household_address,
                "residence_address": self.instance.residence_address,
                "township": self.instance.township_id, "version": self.instance.version,
            })

    def service_data(self) -> dict:
        data = {}
        for name in FORM_FIELDS:
            value = self.cleaned_data.get(name)
            if value is None and isinstance(Subject._meta.get_field(name), models.CharField | models.TextField):
                value = ""
            data[name] = value
        for name in ("id_number", "phone", "household_address", "residence_address"):
            data[name] = self.cleaned_data.get(name) or ""
        if self.cleaned_data.get("photo"):
            data["photo"] = self.cleaned_data["photo"]
        return data

    def apply_service_errors(self, field_errors: dict) -> None:
        for name, msgs in field_errors.items():
            for msg in msgs:
                self.add_error(name if name in self.fields else None, msg)


class SubjectFilterForm(forms.Form):
    q = forms.CharField(label="搜索", required=False,
                        widget=forms.TextInput(attrs={"placeholder": "姓名/拼音首字母/编号/身份证号"}))
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + c.Status.choices)
    category = forms.ChoiceField(label="矫正类别", required=False, choices=[("", "全部")] + c.Category.choices)
    level = forms.ChoiceField(label="管理等级", required=False, choices=[("", "全部")] + c.SupervisionLevel.choices)
    org = forms.ModelChoiceField(label="机构", required=False, queryset=None, empty_label="全部")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from yunjiao.orgs.models import Org

        self.fields["org"].queryset = Org.objects.visible_to(user).exclude(level=OrgLevel.CITY) \
            .filter(path__startswith=user.org.path if user.org_id else "").order_by("path")

    def org_options(self) -> list[tuple[str, str, bool]]:
        """(value, label, selected) for the org select, rendered by a plain template loop: the widget
        renders each of ~170 options through its own template (≈70 ms for a city user)."""
        current = str(self.data.get("org", "")) if self.is_bound else ""
        return [(str(o.pk), str(o), str(o.pk) == current)
                for o in self.fields["org"].queryset.only("pk", "name", "path")]

"""Officer forms for 信息化核查: they parse input; quality and business rules run in the services."""

from __future__ import annotations

from django import forms

from yunjiao.checkins.face.config import get_config
from yunjiao.checkins.models import Outcome, ReviewDecision

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ACCEPTED_TYPES = ("image/jpeg", "image/png")


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """1–N uploaded photos; the count and byte size are checked here (before any image is decoded)."""

    widget = MultiplePhotoInput

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        cfg = get_config()
        if not files:
            raise forms.ValidationError("请拍摄或上传 1–5 张本人正面照片。", code="no_photos")
        if len(files) > cfg.enrol_max_images:
            raise forms.ValidationError(
                f"最多上传 {cfg.enrol_max_images} 张登记照片（收到 {len(files)} 张），请删减后重新提交。",
                code="too_many_photos",
            )
        limit_mb = cfg.enrol_max_bytes // (1024 * 1024)
        errors = []
        for i, f in enumerate(files, 1):
            if f.size > cfg.enrol_max_bytes:
                errors.append(f"第 {i} 张（{f.name}）{f.size / 1048576:.1f} MB，超过 {limit_mb} MB 上限，请压缩后再上传。")
            elif f.size == 0:
                errors.append(f"第 {i} 张（{f.name}）是空文件。")
        if errors:
            raise forms.ValidationError(errors, code="photo_too_large")
        return files


class EnrolmentForm(forms.Form):
    photos = MultiplePhotoField(
        label="登记照片",
        help_text="1–5 张本人正面免冠照片（JPG/PNG，每张不超过 10 MB），可用摄像头拍摄或从电脑选择。",
        widget=MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png", "multiple": True}),
    )
    note = forms.CharField(
        label="登记/重新登记原因",
        max_length=200,
        required=False,
        help_text="重新登记时必填，例如：容貌变化、原照片不清晰。",
    )

    def __init__(self, *args, reenrolment: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.reenrolment = reenrolment
        if reenrolment:
            self.fields["note"].required = True
            self.fields["note"].error_messages["required"] = "重新登记须填写原因（将记入审计）。"

    def images(self) -> list[tuple[str, bytes]]:
        out = []
        for f in self.cleaned_data["photos"]:
            f.seek(0)
            out.append((f.name, f.read()))
        return out


class CheckinFilterForm(forms.Form):
    date_from = forms.DateField(label="起始日期", required=False, widget=DATE)
    date_to = forms.DateField(label="截止日期", required=False, widget=DATE)
    outcome = forms.ChoiceField(label="结果", required=False, choices=[("", "全部结果")] + list(Outcome.choices))
    org = forms.ModelChoiceField(label="机构", required=False, queryset=None, empty_label="全部机构")
    review = forms.ChoiceField(
        label="复核",
        required=False,
        choices=[("", "全部"), ("pending", "待复核"), ("reviewed", "已复核")],
    )
    q = forms.CharField(label="姓名/编号", required=False, max_length=40)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from yunjiao.orgs.models import Org, OrgLevel

        self.fields["org"].queryset = Org.objects.visible_to(user).exclude(level=OrgLevel.CITY).order_by("path")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("起始日期不能晚于截止日期。")
        return data


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="复核结论",
        choices=ReviewDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择复核结论。", "invalid_choice": "复核结论无效。"},
    )
    note = forms.CharField(
        label="复核说明",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="认定“非本人”或“无法判断”时必填：看到了什么、下一步如何核实。",
    )
    escalate_to = forms.ChoiceField(label="非本人时直接升级为", required=False)

    def __init__(self, *args, escalations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["escalate_to"].choices = [("", "不升级（转异常处置队列核实）")] + list(escalations)

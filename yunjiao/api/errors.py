"""Every API error is JSON: {"code": stable machine code, "message": Chinese text, "fields": {...}}."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from yunjiao.core.errors import ServiceError

_CODES = {
    exceptions.NotAuthenticated: ("not_authenticated", "请先登录或提供有效的接口令牌。"),
    exceptions.AuthenticationFailed: ("authentication_failed", "身份验证失败。"),
    exceptions.PermissionDenied: ("permission_denied", "您无权执行此操作。"),
    exceptions.NotFound: ("not_found", "未找到该记录，或不在您的管辖范围内。"),
    exceptions.MethodNotAllowed: ("method_not_allowed", "不支持该请求方法。"),
    exceptions.UnsupportedMediaType: ("unsupported_media_type", "不支持的数据格式。"),
    exceptions.ParseError: ("parse_error", "请求数据格式错误，无法解析。"),
    exceptions.Throttled: ("throttled", "请求过于频繁，请稍后再试。"),
    exceptions.NotAcceptable: ("not_acceptable", "无法提供所请求的格式。"),
}


def _flatten(detail) -> dict:
    if isinstance(detail, dict):
        return {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {}


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent):  # Django refuses the body: JSON, not the HTML page
        return Response({"code": "request_too_large",
                         "message": "请求数据过大或字段过多，数据未被保存。上传文件请注意大小限制。", "fields": {}},
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ServiceError):
        return Response({"code": exc.code, "message": exc.message, "fields": exc.field_errors},
                        status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next((msgs[0] for msgs in fields.values() if msgs), "提交的数据有误。")
        response.data = {"code": "validation", "message": f"提交的数据有误：{first}", "fields": fields}
        return response
    code, message = "error", "请求无法完成。"
    for cls, pair in _CODES.items():
        if isinstance(exc, cls):
            code, message = pair
            break
    detail = getattr(exc, "detail", None)
    if isinstance(detail, str) and str(detail) != str(getattr(exc, "default_detail", "")):
        message = str(detail)  # a specific message raised by our code
    response.data = {"code": code, "message": message, "fields": {}}
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = "Token"
    return response

"""SMS through an HTTP gateway (settings.SMS_GATEWAY_URL).

The gateway receives `POST {"phone": "...", "text": "..."}` as JSON and answers 2xx on acceptance.
Vendor-specific gateways (阿里云/腾讯云/运营商) sit behind a small relay that speaks this format.
No gateway configured → messages stay in-app only and the outbox row says so.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from django.conf import settings


class SmsError(Exception):
    pass


def gateway_configured() -> bool:
    return bool(getattr(settings, "SMS_GATEWAY_URL", ""))


def send(phone: str, text: str, *, timeout: float = 5.0) -> None:
    url = settings.SMS_GATEWAY_URL
    if not url:
        raise SmsError("未配置短信网关 (SMS_GATEWAY_URL)。")
    data = json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8"})
    token = getattr(settings, "SMS_GATEWAY_TOKEN", "")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (URL is a setting)
            if not 200 <= resp.status < 300:
                raise SmsError(f"短信网关返回 {resp.status}")
    except urllib.error.URLError as exc:
        raise SmsError(f"短信网关不可达：{exc.reason}") from exc

"""National algorithms for personal data: SM4-GCM encryption at rest and keyed SM3 digests.

`cryptography`'s OpenSSL provides both (≈5 µs per field).  Ciphertext format (base64 text):
    b"\x01" + 12-byte nonce + ciphertext + 16-byte GCM tag
The version byte leaves room for key rotation (`manage.py rotate_field_key`).
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

VERSION = 1


class DecryptionError(Exception):
    pass


def sm3(data: bytes) -> str:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize().hex()


@lru_cache(maxsize=4)
def _keys(master_hex: str) -> tuple[bytes, bytes]:
    master = bytes.fromhex(master_hex) if _is_hex(master_hex) else hashlib.sha256(master_hex.encode()).digest()
    if len(master) < 16:
        raise ValueError("FIELD_ENCRYPTION_KEY 至少需要 16 字节 (32 位十六进制)。")
    enc_key = _derive(master, b"yunjiao-sm4-field")[:16]
    mac_key = _derive(master, b"yunjiao-sm3-digest")
    return enc_key, mac_key


def _is_hex(value: str) -> bool:
    try:
        bytes.fromhex(value)
        return len(value) % 2 == 0
    except ValueError:
        return False


def _derive(master: bytes, label: bytes) -> bytes:
    h = hmac.HMAC(master, hashes.SM3())
    h.update(label)
    return h.finalize()


def _master() -> str:
    from django.conf import settings

    return settings.FIELD_ENCRYPTION_KEY


def encrypt(plaintext: str, *, master: str | None = None) -> str:
    if plaintext is None or plaintext == "":
        return ""
    enc_key, _ = _keys(master or _master())
    nonce = os.urandom(12)
    encryptor = Cipher(algorithms.SM4(enc_key), modes.GCM(nonce)).encryptor()
    body = encryptor.update(plaintext.encode("utf-8")) + encryptor.finalize()
    return base64.b64encode(bytes([VERSION]) + nonce + body + encryptor.tag).decode("ascii")


def decrypt(token: str, *, master: str | None = None) -> str:
    if not token:
        return ""
    enc_key, _ = _keys(master or _master())
    try:
        raw = base64.b64decode(token.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise DecryptionError("密文格式错误") from exc
    if len(raw) < 1 + 12 + 16 or raw[0] != VERSION:
        raise DecryptionError("密文版本或长度错误")
    nonce, body, tag = raw[1:13], raw[13:-16], raw[-16:]
    decryptor = Cipher(algorithms.SM4(enc_key), modes.GCM(nonce, tag)).decryptor()
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode("utf-8")
    except InvalidTag as exc:
        raise DecryptionError("密文校验失败（密钥不符或数据被篡改）") from exc


def digest(value: str, *, master: str | None = None) -> str:
    """Keyed SM3 (HMAC-SM3) of a normalised value, for exact-match search of encrypted fields."""
    if not value:
        return ""
    _, mac_key = _keys(master or _master())
    h = hmac.HMAC(mac_key, hashes.SM3())
    h.update(value.strip().upper().encode("utf-8"))
    return h.finalize().hex()


def encrypt_bytes(data: bytes, *, master: str | None = None) -> bytes:
    """SM4-GCM for files at rest (photos): version byte + nonce + ciphertext + tag, raw bytes."""
    enc_key, _ = _keys(master or _master())
    nonce = os.urandom(12)
    encryptor = Cipher(algorithms.SM4(enc_key), modes.GCM(nonce)).encryptor()
    body = encryptor.update(data) + encryptor.finalize()
    return bytes([VERSION]) + nonce + body + encryptor.tag


def decrypt_bytes(raw: bytes, *, master: str | None = None) -> bytes:
    enc_key, _ = _keys(master or _master())
    if len(raw) < 1 + 12 + 16 or raw[0] != VERSION:
        raise DecryptionError("密文版本或长度错误")
    decryptor = Cipher(algorithms.SM4(enc_key), modes.GCM(raw[1:13], raw[-16:])).decryptor()
    try:
        return decryptor.update(raw[13:-16]) + decryptor.finalize()
    except InvalidTag as exc:
        raise DecryptionError("密文校验失败（密钥不符或数据被篡改）") from exc

import pytest

from yunjiao.core import crypto

KEY = "00112233445566778899aabbccddeeff"


def test_sm4_round_trip_and_randomised():
    a = crypto.encrypt("370811199001011234", master=KEY)
    b = crypto.encrypt("370811199001011234", master=KEY)
    assert a != b  # random nonce: equal plaintexts do not give equal ciphertexts
    assert crypto.decrypt(a, master=KEY) == "370811199001011234"


def test_tampered_ciphertext_is_detected():
    token = crypto.encrypt("secret", master=KEY)
    raw = bytearray(__import__("base64").b64decode(token))
    raw[-1] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(__import__("base64").b64encode(bytes(raw)).decode(), master=KEY)


def test_wrong_key_is_detected():
    token = crypto.encrypt("secret", master=KEY)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, master="ffeeddccbbaa99887766554433221100")


def test_digest_is_keyed_and_normalised():
    assert crypto.digest("11010519491231002x", master=KEY) == crypto.digest(" 11010519491231002X", master=KEY)
    assert crypto.digest("abc", master=KEY) != crypto.digest("abc", master="ffeeddccbbaa99887766554433221100")
    assert len(crypto.digest("abc", master=KEY)) == 64


def test_sm3_known_vector():
    # GB/T 32905-2016 example 1: SM3("abc")
    assert crypto.sm3(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"

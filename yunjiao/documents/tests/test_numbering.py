from datetime import date

import pytest

from yunjiao.documents.numbering import (
    NumberingError,
    build_prefix,
    chinese_date,
    format_number,
    parse_number,
)


def test_format_number_in_jining_style():
    assert format_number("济任司矫警字", 2026, 7) == "济任司矫警字〔2026〕第7号"
    assert format_number("济任司矫警字", 2026, 123) == "济任司矫警字〔2026〕第123号"


def test_prefix_rules_per_signer():
    assert build_prefix("county", "警", city_short="济", county_short="任") == "济任司矫警字"
    assert build_prefix("township", "外", city_short="济", county_short="任", township_short="古") == "济任古司所外字"


def test_prefix_needs_short_names_and_tells_what_to_fill():
    with pytest.raises(NumberingError, match="县级机构简称"):
        build_prefix("county", "警", city_short="济", county_short="")
    with pytest.raises(NumberingError, match="司法所简称"):
        build_prefix("township", "外", city_short="济", county_short="任")


def test_parse_is_the_inverse_of_format():
    assert parse_number(format_number("济兖司矫解字", 2027, 42)) == ("济兖司矫解字", 2027, 42)
    with pytest.raises(NumberingError):
        parse_number("第7号")
    with pytest.raises(NumberingError):
        format_number("济任司矫警字", 2026, 0)


@pytest.mark.parametrize("day, text", [
    (date(2026, 11, 28), "二〇二六年十一月二十八日"),
    (date(2027, 1, 1), "二〇二七年一月一日"),
    (date(2026, 10, 10), "二〇二六年十月十日"),
    (date(2026, 12, 31), "二〇二六年十二月三十一日"),
    (date(2000, 2, 20), "二〇〇〇年二月二十日"),
    (date(2030, 5, 19), "二〇三〇年五月十九日"),
])
def test_chinese_date(day, text):
    assert chinese_date(day) == text


def test_chinese_date_of_none_is_empty():
    assert chinese_date(None) == ""

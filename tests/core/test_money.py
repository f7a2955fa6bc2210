import pytest

from eventops.core.errors import InvalidInput
from eventops.core.money import format_cn_units, format_cny, parse_cny


@pytest.mark.parametrize("raw,fen", [
    ("1", 100), ("0.01", 1), ("150,000,000.50", 15000000050), ("￥1500", 150000), (" 12.3 ", 1230),
    ("1000000000000", 10**14), ("1000000000000.00", 10**14),
])
def test_parse(raw, fen):
    assert parse_cny(raw) == fen


@pytest.mark.parametrize("raw", ["-1", "1.234", "abc", "", "1e9", "1000000000000.01", "NaN", "1.2.3", "٣"])
def test_refused(raw):
    with pytest.raises(InvalidInput):
        parse_cny(raw)


def test_chinese_units_round_down():
    assert format_cn_units(15_000_000_000) == "1.50亿元"       # 150,000,000 yuan
    assert format_cn_units(15_299_999_999) == "1.52亿元"       # never rounded up on stage
    assert format_cn_units(35_802_500) == "35.80万元"
    assert format_cn_units(95_000) == "950元"
    assert format_cn_units(0) == "0元"
    assert format_cny(10**14) == "1,000,000,000,000.00"

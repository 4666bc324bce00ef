"""The total in Chinese capitals, checked against the cases an accountant checks first."""

import decimal

import pytest

from kehu.sales.quotes.capitals import AmountNotWritable, rmb_capitals

CASES = [
    ("12345.67", "壹万贰仟叁佰肆拾伍元陆角柒分"),
    ("0.05", "伍分"),
    ("0.50", "伍角"),
    ("0.55", "伍角伍分"),
    ("0", "零元整"),
    ("0.00", "零元整"),
    ("1", "壹元整"),
    ("10", "壹拾元整"),
    ("15", "壹拾伍元整"),
    ("100", "壹佰元整"),
    ("101", "壹佰零壹元整"),
    ("110", "壹佰壹拾元整"),
    ("1000.05", "壹仟元零伍分"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("1001.10", "壹仟零壹元壹角"),
    ("10005.00", "壹万零伍元整"),
    ("10100", "壹万零壹佰元整"),
    ("11000", "壹万壹仟元整"),
    ("107000.53", "壹拾万柒仟元伍角叁分"),
    ("1100000", "壹佰壹拾万元整"),
    ("100000000", "壹亿元整"),
    ("100010000", "壹亿零壹万元整"),
    ("100000001", "壹亿零壹元整"),
    ("1000000000.00", "壹拾亿元整"),
    ("1000000001", "壹拾亿零壹元整"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("325000.09", "叁拾贰万伍仟元零玖分"),
    ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
]


@pytest.mark.parametrize(("amount", "words"), CASES)
def test_amounts_in_capitals(amount, words):
    assert rmb_capitals(decimal.Decimal(amount)) == words


def test_takes_ints_and_strings_like_decimals():
    assert rmb_capitals(100) == rmb_capitals("100.00") == "壹佰元整"


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("-0.01", "negative"),
        ("-100", "negative"),
        ("1000000000000", "trillion"),
        ("12.345", "fractions of a cent"),
        ("abc", "not a number"),
        ("NaN", "not a number"),
        ("Infinity", "not a number"),
    ],
)
def test_refuses_what_cannot_be_written(amount, reason):
    with pytest.raises(AmountNotWritable, match=reason):
        rmb_capitals(amount)

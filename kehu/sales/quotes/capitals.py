"""An amount of money in Chinese capital numerals (人民币大写), as invoices and cheques write it.

The rules are those of the People's Bank of China's payment rules (支付结算办法): 壹拾 rather
than 拾; one 零 for any run of zeros between two digits (a whole empty 万 group included),
none for zeros that end a 万 or 亿 group (壹拾万柒仟元, 壹万零伍元);
整 after 元 when there are no 角 or 分; 零 between 元 and 分 when 角 is zero. The rules allow
either writing for a zero 元 digit before a non-zero 角 (壹仟陆佰捌拾元叁角 or …元零叁角):
Kehu writes it without 零, as most accounting software does.
"""

import decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")
GROUPS = ("", "万", "亿")
#: 9,999 亿 and a bit: beyond it the words (万亿 …) are not used on business documents
LIMIT = decimal.Decimal("1000000000000")
CENT = decimal.Decimal("0.01")


class AmountNotWritable(ValueError):
    """The amount cannot be written in capitals (negative, too large, or finer than a cent)."""


def rmb_capitals(amount) -> str:
    """12345.67 → 壹万贰仟叁佰肆拾伍元陆角柒分; 100 → 壹佰元整; 0.05 → 伍分."""
    try:
        value = decimal.Decimal(str(amount))
    except decimal.InvalidOperation as exc:
        raise AmountNotWritable(f"{amount!r} is not a number") from exc
    if not value.is_finite():
        raise AmountNotWritable(f"{amount!r} is not a number")
    if value < 0:
        raise AmountNotWritable("a negative amount has no capitals; write 负 and its size")
    if value >= LIMIT:
        raise AmountNotWritable("amounts of a trillion yuan or more are not written in capitals")
    if value != value.quantize(CENT):
        raise AmountNotWritable("the amount has fractions of a cent")
    cents = int(value * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    words = _integer_words(yuan)
    if yuan:
        words += "元"
    if not jiao and not fen:
        return (words or "零元") + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    if fen:
        words += DIGITS[fen] + "分"
    return words


def _integer_words(number: int) -> str:
    words = ""
    zero_pending = False
    group_has_digit = False
    digits = str(number) if number else ""
    for index, char in enumerate(digits):
        position = len(digits) - 1 - index
        digit = int(char)
        if digit:
            if zero_pending:
                words += "零"
                zero_pending = False
            words += DIGITS[digit] + PLACES[position % 4]
            group_has_digit = True
        elif words:
            zero_pending = True
        if position % 4 == 0:
            if group_has_digit:
                words += GROUPS[position // 4]
                zero_pending = False  # 壹拾万柒仟: the group's name stands for its zeros
            group_has_digit = False
    return words


def total_in_words(document) -> str:
    """人民币 and the total in capitals, for a document in CNY; "" otherwise (or for a total
    that capitals cannot write)."""
    if document.currency != "CNY":
        return ""
    try:
        return "人民币" + rmb_capitals(document.total)
    except AmountNotWritable:
        return ""

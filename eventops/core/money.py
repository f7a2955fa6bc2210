"""Money is exact: amounts are whole fen (1/100 yuan) in integers, Decimal at the edges.

Parsing refuses what a person could mean two ways (more than two decimals, negative amounts);
rounding happens in one place (``to_cn_units``) and always down, so a total announced on stage is
never more than what was signed.
"""
import re
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from flask_babel import gettext as _

from .errors import InvalidInput

MAX_YUAN = Decimal(10) ** 12
_AMOUNT = re.compile(r"^[0-9]+(\.[0-9]{1,2})?$")


def parse_cny(raw, field: str = "amount") -> int:
    """'150,000,000.50' -> 15000000050 fen. Raises InvalidInput with a translated message."""
    text = str(raw if raw is not None else "").strip().replace(",", "").replace("，", "").replace(" ", "")
    text = text.removeprefix("¥").removeprefix("￥")
    if text.startswith("-"):
        raise InvalidInput({field: _("The amount cannot be negative.")})
    if not _AMOUNT.match(text):
        if re.match(r"^[0-9]+\.[0-9]{3,}$", text):
            raise InvalidInput({field: _("Give the amount in yuan with at most two decimals.")})
        raise InvalidInput({field: _("Enter the amount in yuan, for example 1500000.00.")})
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput({field: _("Enter the amount in yuan, for example 1500000.00.")})
    if value > MAX_YUAN:
        raise InvalidInput({field: _("The amount is larger than 1,000,000,000,000 yuan.")})
    return int(value * 100)


def fen_to_decimal(fen: int | None) -> Decimal | None:
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


def format_cny(fen: int | None) -> str:
    """15000000050 -> '150,000,000.50'."""
    if fen is None:
        return ""
    return f"{fen_to_decimal(fen):,.2f}"


def to_cn_units(fen: int) -> tuple[str, str]:
    """The total as Chinese media write it: ('1.52', '亿元'), ('3,580.25', '万元') or ('950', '元').

    Two decimals, rounded down.
    """
    yuan = Decimal(fen) / 100
    if yuan >= Decimal(10) ** 8:
        return f"{(yuan / Decimal(10) ** 8).quantize(Decimal('0.01'), rounding=ROUND_DOWN):,}", "亿元"
    if yuan >= Decimal(10) ** 4:
        return f"{(yuan / Decimal(10) ** 4).quantize(Decimal('0.01'), rounding=ROUND_DOWN):,}", "万元"
    return f"{yuan.quantize(Decimal('0.01'), rounding=ROUND_DOWN):,}".removesuffix(".00"), "元"


def format_cn_units(fen: int) -> str:
    number, unit = to_cn_units(fen)
    return number + unit

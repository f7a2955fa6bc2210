"""Badge codes: random secrets in an alphabet without look-alike characters (no 0/O, 1/I/L),
carried in the QR as a short versioned payload ``EO1:<code>``."""
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 letters: no 0 O 1 I L
LENGTH = 26                                 # 26 * log2(31) = 128.8 bits
PREFIX = "EO1:"
MAX_INPUT = 200                             # anything longer is not a badge


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def payload(code: str) -> str:
    """What the QR holds. Upper case, digits and ':' keep the QR in its compact alphanumeric mode."""
    return PREFIX + code


def parse(raw) -> str | None:
    """The code in a scanned or typed input, or None when it cannot be a badge of ours.

    Accepts 'EO1:CODE', the bare CODE typed by hand (any case, spaces or dashes between groups).
    """
    if not isinstance(raw, str) or len(raw) > MAX_INPUT:
        return None
    text = raw.strip()
    if text.upper().startswith(PREFIX):
        text = text[len(PREFIX):]
    elif ":" in text:
        return None  # another format or version
    text = text.replace(" ", "").replace("-", "").upper()
    if len(text) != LENGTH or any(ch not in ALPHABET for ch in text):
        return None
    return text

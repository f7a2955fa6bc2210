"""The badge's QR code, made quickly: a badge's payload (``EO1:`` and 26 letters and digits) is
alphanumeric and fits versions 1 to 3 at level M, a single block of Reed-Solomon codewords each;
for those, the module matrix is the version's fixed patterns (finders, timing, alignment, format
information for level M and mask 4), computed once, with the codeword bits laid along the
version's data positions, also computed once. That is about a tenth of a millisecond a code where
the ``qrcode`` package takes half a millisecond or more (most of a badge's drawing time at 30,000
badges). Anything else (another alphabet, a longer payload) is made by the ``qrcode`` package.

Both give the same matrix module for module (ISO/IEC 18004; tests/badges/test_qr.py compares them).
"""
from functools import lru_cache
from operator import itemgetter

import qrcode

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE = {ch: i for i, ch in enumerate(ALPHANUMERIC)}
# level M, versions 1-3: (data codewords, error correction codewords), one block each
_BLOCKS = {1: (16, 10), 2: (28, 16), 3: (44, 26)}
_ALIGNMENT = {1: (), 2: (6, 18), 3: (6, 22)}
MASK = 4  # ((row // 2) + (column // 3)) % 2 == 0: any mask is valid; a fixed one saves the search
_FORMAT_M = 0b00  # the level's two bits in the format information (L 01, M 00, Q 11, H 10)

# GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1
_EXP = [0] * 512
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i] = _x
    _LOG[_x] = _i
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


@lru_cache(maxsize=8)
def _generator(n):
    """The generator polynomial of ``n`` error correction codewords, highest power first, as logs
    (its leading coefficient, 1, left out)."""
    poly = [1]
    for i in range(n):
        nxt = [0] * (len(poly) + 1)
        for j, coefficient in enumerate(poly):
            nxt[j] ^= coefficient
            if coefficient:
                nxt[j + 1] ^= _EXP[_LOG[coefficient] + i]
        poly = nxt
    return [_LOG[c] for c in poly[1:]]


@lru_cache(maxsize=8)
def _products(n):
    """For each byte value f, f times the generator polynomial as one ``n``-byte integer: a step of
    the polynomial division is then a shift and one exclusive or."""
    generator = _generator(n)
    table = [0]
    for factor in range(1, 256):
        log = _LOG[factor]
        table.append(int.from_bytes(bytes(_EXP[g + log] for g in generator), "big"))
    return table


def _error_correction(data, n):
    """The ``n`` Reed-Solomon codewords of ``data``: the remainder of data(x)·x^n by the generator."""
    products, top, mask = _products(n), 8 * (n - 1), (1 << (8 * n)) - 1
    remainder = 0
    for byte in data:
        factor = (remainder >> top) ^ byte
        remainder = ((remainder << 8) & mask) ^ products[factor]
    return list(remainder.to_bytes(n, "big"))


def _format_bits(level, mask):
    data = (level << 3) | mask
    bits = data << 10
    for shift in range(4, -1, -1):
        if bits & (1 << (shift + 10)):
            bits ^= 0x537 << shift
    return ((data << 10) | bits) ^ 0x5412


_BITS = bytes.maketrans(b"01", b"\x00\x01")


@lru_cache(maxsize=4)
def _template(version):
    """(size, how many data positions, the mask's bits along them as one integer, a getter that
    picks each module of the matrix, row by row, from ``"01" + the data bits``): the fixed modules
    pick "0" or "1", a data module its bit, so one C-level call lays out the whole matrix."""
    n = 17 + 4 * version
    grid = [[None] * n for _ in range(n)]

    def finder(top, left):
        for r in range(-1, 8):
            for c in range(-1, 8):
                if 0 <= top + r < n and 0 <= left + c < n:
                    ring = max(abs(r - 3), abs(c - 3))
                    grid[top + r][left + c] = 1 if ring in (0, 1, 3) else 0

    finder(0, 0)
    finder(0, n - 7)
    finder(n - 7, 0)
    for i in range(8, n - 8):
        grid[6][i] = grid[i][6] = 1 if i % 2 == 0 else 0
    centres = _ALIGNMENT[version]
    for row in centres:
        for col in centres:
            if grid[row][col] is None:
                for r in range(-2, 3):
                    for c in range(-2, 3):
                        grid[row + r][col + c] = 1 if max(abs(r), abs(c)) != 1 else 0
    bits = _format_bits(_FORMAT_M, MASK)
    for i in range(15):
        bit = (bits >> i) & 1
        grid[i if i < 6 else i + 1 if i < 8 else n - 15 + i][8] = bit
        grid[8][n - i - 1 if i < 8 else 15 - i if i < 9 else 14 - i] = bit
    grid[n - 8][8] = 1  # the dark module
    positions, row, step = [], n - 1, -1
    col = n - 1
    while col > 0:
        if col == 6:
            col -= 1  # the vertical timing pattern
        while 0 <= row < n:
            for c in (col, col - 1):
                if grid[row][c] is None:
                    positions.append((row, c, 1 if ((row // 2) + (c // 3)) % 2 == 0 else 0))
                    grid[row][c] = 0
            row += step
        row -= step
        step = -step
        col -= 2
    where = {(r, c): 2 + k for k, (r, c, _mask) in enumerate(positions)}
    picks = [where.get((r, c), grid[r][c]) for r in range(n) for c in range(n)]
    mask = int("".join(str(m) for _r, _c, m in positions), 2)
    return n, len(positions), mask, itemgetter(*picks)


def _fast_matrix(payload):
    """The matrix (rows of 0/1 bytes) for an alphanumeric payload of versions 1-3, else None."""
    if any(ch not in _VALUE for ch in payload):
        return None
    length = len(payload)
    for version, (data_words, ec_words) in _BLOCKS.items():
        if 4 + 9 + 11 * (length // 2) + 6 * (length % 2) <= data_words * 8:
            break
    else:
        return None
    # mode 0010, the count in 9 bits, pairs in 11 bits, a last odd character in 6
    value, size = 0b0010, 4
    value, size = (value << 9) | length, size + 9
    for i in range(0, length - 1, 2):
        value, size = (value << 11) | (_VALUE[payload[i]] * 45 + _VALUE[payload[i + 1]]), size + 11
    if length % 2:
        value, size = (value << 6) | _VALUE[payload[-1]], size + 6
    capacity = data_words * 8
    terminator = min(4, capacity - size)
    value, size = value << terminator, size + terminator
    value, size = value << (-size % 8), size + (-size % 8)
    data = list(value.to_bytes(size // 8, "big"))
    data += [0xEC, 0x11] * ((data_words - len(data)) // 2) + [0xEC] * ((data_words - len(data)) % 2)
    words = data + _error_correction(data, ec_words)
    n, count, mask, pick = _template(version)
    # the codewords' bits along the data positions (remainder bits 0), the mask applied
    bits = format((int.from_bytes(bytes(words), "big") << (count - 8 * len(words))) ^ mask, f"0{count}b")
    cells = "".join(pick("01" + bits)).encode("ascii").translate(_BITS)
    return [cells[i:i + n] for i in range(0, n * n, n)]


def matrix(payload: str) -> list:
    """The QR code of ``payload`` at level M with mask 4 and no quiet zone: rows of 0/1 (bytes
    or bytearrays), the top row first."""
    fast = _fast_matrix(payload)
    if fast is not None:
        return fast
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=MASK)
    code.add_data(payload)
    code.make(fit=True)
    return [bytes(row) for row in code.get_matrix()]

"""The quick QR matrices of badges/qr.py are the ``qrcode`` package's, module for module: for real
badge payloads and for every length of alphanumeric text that versions 1 to 3 hold; anything else
is the package's own."""
import random

import qrcode
import zxingcpp
from PIL import Image

from eventops.badges import qr
from eventops.badges.codes import ALPHABET, new_code, payload


def _reference(text):
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=qr.MASK)
    code.add_data(text)
    code.make(fit=True)
    return [[1 if m else 0 for m in row] for row in code.get_matrix()]


def _rows(matrix):
    return [list(row) for row in matrix]


def test_badge_payloads_match_the_qrcode_package():
    for _ in range(300):
        text = payload(new_code())
        assert qr._fast_matrix(text) is not None
        assert _rows(qr.matrix(text)) == _reference(text), text


def test_every_length_of_versions_1_to_3_matches():
    rng = random.Random(7)
    letters = qr.ALPHANUMERIC.replace(" ", "") + " "
    for length in range(1, 62):  # 61 characters: the most version 3 at level M holds
        for _ in range(4):
            # no run of 20 digits: the package would switch those to numeric mode (also valid)
            text = "".join(rng.choice(letters if i % 7 else ALPHABET[8:]) for i in range(length))
            fast = qr._fast_matrix(text)
            assert fast is not None and len(fast) in (21, 25, 29), (length, text)
            assert _rows(fast) == _reference(text), text


def test_other_payloads_go_to_the_package():
    for text in ["eo1:lower", "A" * 62, "名字"]:
        assert qr._fast_matrix(text) is None
        assert _rows(qr.matrix(text)) == _reference(text)


def test_a_quick_matrix_decodes():
    text = payload(new_code())
    rows = qr.matrix(text)
    scale, quiet = 8, 4
    side = (len(rows) + 2 * quiet) * scale
    image = Image.new("L", (side, side), 255)
    for r, row in enumerate(rows):
        for c, dark in enumerate(row):
            if dark:
                image.paste(0, ((c + quiet) * scale, (r + quiet) * scale, (c + quiet + 1) * scale, (r + quiet + 1) * scale))
    assert [result.text for result in zxingcpp.read_barcodes(image)] == [text]


def test_the_drawn_rectangles_cover_exactly_the_dark_modules():
    from eventops.badges import render
    for _ in range(50):
        rows = qr.matrix(payload(new_code()))
        n, quiet = len(rows), 2
        painted = [[0] * (n + 2 * quiet) for _ in range(n + 2 * quiet)]
        for op in render._qr_ops(rows, quiet).splitlines():
            x, y, w, h, name = op.split()
            assert name == "re"
            for r in range(int(y), int(y) + int(h)):
                for c in range(int(x), int(x) + int(w)):
                    assert painted[r][c] == 0  # no module painted twice
                    painted[r][c] = 1
        expected = [[0] * (n + 2 * quiet) for _ in range(quiet)] + [
            [0] * quiet + list(row) + [0] * quiet for row in rows] + [[0] * (n + 2 * quiet) for _ in range(quiet)]
        assert painted == expected

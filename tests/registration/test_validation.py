import pytest

from eventops.registration.validation import clean_text, normalise_email, normalise_mobile


@pytest.mark.parametrize("raw,expected", [
    ("13800138000", "13800138000"), ("138 0013 8000", "13800138000"), ("+86 138-0013-8000", "13800138000"),
    ("8613800138000", "13800138000"), ("００８６１３８００１３８０００", "13800138000"),
    ("+852 9123 4567", "+85291234567"), ("0085291234567", "+85291234567"),
])
def test_valid_mobiles(raw, expected):
    assert normalise_mobile(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "12800138000", "1380013800", "138001380001", "abc", "+0123", "１３８"])
def test_invalid_mobiles(raw):
    assert normalise_mobile(raw) is None


def test_emails():
    assert normalise_email(" a.b@example.cn ") == "a.b@example.cn"
    for bad in ["", "a@b", "a b@example.cn", "<a>@x.cn", "a@@x.cn", "x" * 250 + "@example.cn"]:
        assert normalise_email(bad) is None


def test_clean_text_removes_control_characters_and_keeps_what_was_typed():
    assert clean_text("  张\u200b三\x00  ") == "张三"
    # full-width letters, brackets and an ideographic space are kept as typed
    assert clean_text("ＡＢＣ　医院（黄埔院区）") == "ＡＢＣ　医院（黄埔院区）"
    assert clean_text("广州  医药\t\n集团") == "广州 医药 集团"
    # canonically equal spellings are one: e + combining acute is é
    assert clean_text("Jose\u0301") == "José"
    # a CJK Ext-B character is one character, kept
    assert clean_text("欧阳𠮷") == "欧阳𠮷" and len(clean_text("欧阳𠮷")) == 3


def test_matching_still_folds_width():
    assert normalise_mobile("１３８ ００１３ ８０００") == "13800138000"
    assert normalise_email("ｏｕｙａｎｇ＠ｅｘａｍｐｌｅ．ｃｎ") == "ouyang@example.cn"

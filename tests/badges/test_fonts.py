"""Characters beyond the main CJK font: 𠮷 (U+20BB7, CJK Extension B) in 欧阳𠮷 is drawn with the
fallback font, glyph by glyph, and stays in the PDF's text layer; a character that no font has is
listed on the badges page before the print."""
import base64
import re
import subprocess
import zlib

from eventops.badges import render
from eventops.core import fonts
from eventops.extensions import db
from eventops.registration import services as registrations
from eventops.registration.models import Registration

from ..factories import job_file, login, person

JI = "\U00020BB7"  # 𠮷
NAME = "欧阳" + JI
PRIVATE = "\ue000"  # a private-use code point: no font has it
EXT_G = "\U00030000"  # 𰀀, CJK Extension G (Unicode 13): after HanaMin's time, no font here has it


def _badge(name, organisation="广州医科大学附属第一医院"):
    return render.BadgeData(name, organisation, "主任医师", "attendee", "hospital", "医院", "院企合作活动",
                            "EO1:" + "A" * 26)


def _objects(pdf: bytes) -> dict[int, bytes]:
    """The PDF's objects by number, each stream decoded (reportlab's filters: ASCII85, Flate)."""
    out = {}
    for match in re.finditer(rb"(\d+) 0 obj\r?\n(.*?)endobj", pdf, re.S):
        body = match.group(2)
        head = re.search(rb"stream\r?\n", body)
        if head:
            length = int(re.search(rb"/Length (\d+)", body).group(1))
            data = body[head.end():head.end() + length]
            filters = re.search(rb"/Filter \[([^\]]*)\]", body)
            for name in (filters.group(1).split() if filters else []):
                data = base64.a85decode(data.strip().removesuffix(b"~>")) if name == b"/ASCII85Decode" \
                    else zlib.decompress(data) if name == b"/FlateDecode" else data
            body = body[:head.start()] + data
        out[int(match.group(1))] = body
    return out


def _fonts_drawing(pdf: bytes, char: str) -> list[str]:
    """The BaseFont of every embedded font subset whose ToUnicode map has ``char``, and which a page
    selects (``/<name> <size> Tf``) in its content."""
    objects = _objects(pdf)
    utf16 = char.encode("utf-16-be").hex().upper().encode()
    contents = b"".join(body for body in objects.values() if b" Tf" in body and b"BT" in body)
    found = []
    for body in objects.values():
        if b"/Type /Font" not in body or b"/ToUnicode" not in body:
            continue
        cmap = objects[int(re.search(rb"/ToUnicode (\d+) 0 R", body).group(1))]
        name = re.search(rb"/Name /(\S+)", body).group(1)
        if b"<" + utf16 + b">" in cmap and re.search(rb"/" + re.escape(name) + rb" [\d.]+ Tf", contents):
            found.append(re.search(rb"/BaseFont /(\S+)", body).group(1).decode())
    return found


def test_ext_b_is_drawn_with_the_fallback_font(tmp_path):
    main, fallback = fonts.cjk_font(), fonts.font_of(JI)
    assert fallback != main and fallback in fonts.font_names()
    assert [font for font, _part, _w in fonts.runs(NAME)] == [main, fallback]
    assert fonts.covers(NAME) and fonts.missing(NAME) == ""
    # the fallback glyph has a width: the name is measured (and centred) with it
    assert fonts.width(NAME, 10) > fonts.width("欧阳", 10) > 0
    pdf = render.render([_badge(NAME)], sheet="label")
    drawn_by = _fonts_drawing(pdf, JI)
    assert drawn_by and all("HanaMin" in name for name in drawn_by), drawn_by
    assert all("WenQuanYi" in name for name in _fonts_drawing(pdf, "欧")), _fonts_drawing(pdf, "欧")
    path = tmp_path / "badge.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert NAME in text, text  # the whole name, 𠮷 included, in the text layer (search, copy)
    pdffonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    hana = [line for line in pdffonts.splitlines() if "HanaMin" in line]
    assert hana and hana[0].split()[-5:-2] == ["yes", "yes", "yes"], pdffonts  # embedded, subset, ToUnicode


def test_a_name_with_ext_b_fits_its_width():
    """The name shrinks to fit with the fallback glyphs counted."""
    long_name = "欧阳" + JI * 12
    size = render._fit(long_name, 26, 10, 80)
    assert fonts.width(long_name, size) <= 80 or size == 10


def test_a_character_no_font_has_is_drawn_and_reported():
    assert fonts.missing("张" + PRIVATE + "伟" + JI) == PRIVATE
    assert not fonts.covers("张" + PRIVATE + "伟")
    # drawn (an empty box of the main font), never left out of the line
    assert "".join(part for _font, part, _w in fonts.runs("张" + PRIVATE + "伟")) == "张" + PRIVATE + "伟"
    # a variation selector chooses a glyph's form: it is neither drawn nor missing
    assert fonts.missing("葛\U000E0100") == "" and fonts.runs("葛\U000E0100")[0][1] == "葛"


def _register(app, event, *names):
    with app.test_request_context():
        made = [registrations.register(event, person(n, name=name))[0] for n, name in enumerate(names, 1)]
        db.session.commit()
        return [r.id for r in made]


def test_the_badges_page_lists_names_no_font_covers(app, client, organizer, event):
    ext_g_name = "王" + EXT_G + "明"
    ids = _register(app, event, ext_g_name, NAME, "李强", "张伟")
    # registration drops private-use characters from what people type; one may still be in a row
    # written before that rule or by hand
    with app.app_context():
        db.session.get(Registration, ids[3]).name = "张" + PRIVATE + "伟"
        db.session.commit()
    login(client, organizer)
    page = client.get(f"/manage/{event.slug}/badges").get_data(as_text=True)
    assert 'id="unprintable"' in page
    section = page.split('id="unprintable"', 1)[1].split("</section>", 1)[0]
    assert ext_g_name in section and "U+30000" in section
    assert "张" + PRIVATE + "伟" in section and "U+E000" in section
    assert NAME not in section and "李强" not in section  # 𠮷 has its font; 李强 is plain
    assert f"/registrations/{ids[0]}" in section  # a link to correct the name
    assert section.count("<tr>") == 1 + 2  # the header and the two names
    # printed anyway: the job's result says how many badges have an empty box
    started = client.post(f"/manage/{event.slug}/badges/print", data={"sort": "name"})
    assert job_file(client, started).data.startswith(b"%PDF")
    job_page = client.get(started.headers["Location"]).get_data(as_text=True)
    summary = job_page.split('id="job-summary"', 1)[1].split("</p>", 1)[0]
    assert re.findall(r"\d+", summary) == ["4", "2"], summary  # 4 badges ready, 2 of them with a box


def test_the_badges_page_lists_nothing_when_every_glyph_is_there(app, client, organizer, event):
    _register(app, event, NAME, "李强")
    login(client, organizer)
    page = client.get(f"/manage/{event.slug}/badges").get_data(as_text=True)
    assert "<strong>" in page and 'id="unprintable"' not in page
    started = client.post(f"/manage/{event.slug}/badges/print", data={"sort": "name"})
    assert job_file(client, started).data.startswith(b"%PDF")
    job_page = client.get(started.headers["Location"]).get_data(as_text=True)
    summary = job_page.split('id="job-summary"', 1)[1].split("</p>", 1)[0]
    assert re.findall(r"\d+", summary) == ["2"], summary  # 2 badges ready, and nothing more to say

"""Organisations are shared by every event: one row per name, however it is typed."""
import threading

import pytest

from eventops.extensions import db
from eventops.organisations import services
from eventops.organisations.models import Organisation


def test_names_are_matched_whatever_the_spacing_width_and_case(app):
    org = services.find_or_create("广东省人民医院", "hospital")
    db.session.commit()
    for typed in ("广东省人民医院 ", " 广东省 人民医院", "广东省人民医院"):
        assert services.find_by_name(typed).id == org.id
    assert services.name_key("ＡＢＣ Pharma") == services.name_key("abc pharma")


def test_an_existing_organisation_keeps_its_type(app):
    hospital = services.find_or_create("暨南大学附属第一医院", "hospital")
    db.session.commit()
    again = services.find_or_create("暨南大学附属第一医院", "enterprise")
    assert again.id == hospital.id and again.org_type == "hospital"


def test_an_unknown_type_becomes_other(app):
    assert services.find_or_create("某某协会", "guild").org_type == "other"


def test_clean_name_keeps_the_text_and_folds_spaces(app):
    assert services.clean_name("  广州  医药集团 ") == "广州 医药集团"


def test_search_finds_fragments_and_escapes_wildcards(app):
    for name in ("广州医药集团有限公司", "广州医科大学附属第一医院", "100% Bio"):
        services.find_or_create(name, "enterprise")
    db.session.commit()
    assert [o.name for o in services.search("广州医")] == ["广州医科大学附属第一医院", "广州医药集团有限公司"]
    assert [o.name for o in services.search("%")] == ["100% Bio"]
    assert services.search("  ") == []
    assert services.suggestions() == sorted(services.suggestions())


@pytest.mark.postgres
def test_two_sign_ups_adding_one_new_name_at_once_make_one_row(app, is_postgres):
    if not is_postgres:
        pytest.skip("needs PostgreSQL")
    barrier, errors = threading.Barrier(8), []

    def add():
        with app.app_context():
            try:
                barrier.wait()
                services.find_or_create("新成立的生物科技公司", "enterprise")
                db.session.commit()
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=add) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert db.session.scalar(db.select(db.func.count()).select_from(Organisation)) == 1

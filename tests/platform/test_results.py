"""看成效: figures from the ledgers of the alliance's events, each the sum of the entries it cites."""
from sqlalchemy import select

from eventops.extensions import db
from eventops.ledger import services as ledger
from eventops.ledger.models import LedgerEntry
from eventops.platform import results

from .conftest import local, sign


def _sum_of_cited(figure):
    """The figure recomputed from the ledger rows it cites, read straight from the table."""
    rows = db.session.scalars(select(LedgerEntry).where(LedgerEntry.id.in_(figure.entry_ids))).all()
    assert len(rows) == len(figure.entry_ids) == len(set(figure.entry_ids))
    return sum(r.amount_fen or 0 for r in rows), len(rows), sum(1 for r in rows if r.amount_fen is None)


def test_a_figure_is_the_sum_of_its_entries_after_a_reversal_and_a_correction(app, alliance):
    e2024, e2025 = alliance["events"]
    organizer, entries = alliance["organizer"], alliance["entries"]
    with app.test_request_context():
        ledger.reverse(e2024, entries["b"].id, actor=organizer, key="key-reverse-b", reason="签错")
        corrected, _ = ledger.correct(e2025, entries["c"].id, ledger.ContractData(
            title="罕见病创新药转化中心共建协议（更正）", category="technology_transfer", amount="31000000.00",
            session_id=alliance["session2025"].id, signed_at=local(2025, 5, 24, 10),
            parties=["广州医科大学附属妇女儿童医疗中心", "广州市生物医药行业协会"]), actor=organizer, key="key-correct-c")
        db.session.commit()
    figures = results.alliance()
    # a (38m) + corrected c (31m) + d (10m) + e (undisclosed); b reversed, the old c reversed
    assert figures["total"].total_fen == (38_000_000 + 31_000_000 + 10_000_000) * 100
    assert figures["total"].contracts == 4 and figures["total"].undisclosed == 1
    assert _sum_of_cited(figures["total"]) == (figures["total"].total_fen, 4, 1)
    assert entries["b"].id not in figures["total"].entry_ids and entries["c"].id not in figures["total"].entry_ids
    assert corrected.id in figures["total"].entry_ids
    # every figure of every breakdown adds up to the entries it cites
    for breakdown in ("by_year", "by_category"):
        for figure in figures[breakdown].values():
            fen, count, undisclosed = _sum_of_cited(figure)
            assert (fen, count, undisclosed) == (figure.total_fen, figure.contracts, figure.undisclosed)
    assert figures["by_year"][2024].total_fen == 38_000_000 * 100
    assert figures["by_year"][2025].total_fen == 41_000_000 * 100
    # each contract once in the years and categories: they add up to the total
    assert sum(f.total_fen for f in figures["by_year"].values()) == figures["total"].total_fen
    assert sum(f.contracts for f in figures["by_category"].values()) == figures["total"].contracts
    # the trace lists exactly the cited entries
    items, figure = results.trace(year=2025)
    assert [c.id for c in items] == figures["by_year"][2025].entry_ids and figure.total_fen == 41_000_000 * 100
    assert next(c for c in items if c.id == corrected.id).corrects == entries["c"].seq


def test_results_add_up_across_events_without_counting_twice(app, alliance):
    hospitals = dict((o.name, f) for o, f in results.alliance()["hospitals"])
    figures = results.alliance()
    # d is signed by two alliance hospitals: once in the total, once for each of them
    assert figures["total"].contracts == 5
    assert figures["total"].total_fen == (38_000_000 + 52_000_000 + 29_800_000 + 10_000_000) * 100
    assert hospitals["广东省中医院"].contracts == 3 and hospitals["广东省中医院"].total_fen == 48_000_000 * 100
    assert hospitals["暨南大学附属第一医院"].total_fen == 62_000_000 * 100
    assert alliance["entries"]["d"].id in hospitals["广东省中医院"].entry_ids
    assert alliance["entries"]["d"].id in hospitals["暨南大学附属第一医院"].entry_ids
    assert figures["events"] == 2
    org = alliance["orgs"]["广东省中医院"]
    out = results.organisation_results(org)
    assert out["total"].contracts == 3 and out["total"].undisclosed == 1
    assert set(out["by_year"]) == {2024, 2025}
    assert out["by_year"][2024].total_fen == 38_000_000 * 100 and out["by_year"][2025].total_fen == 10_000_000 * 100
    assert dict(out["partners"])["广州医药集团有限公司"] == 2


def test_only_counted_entries_of_published_events(app, alliance, organizer):
    e2024, e2025 = alliance["events"]
    with app.test_request_context():
        e2025.signing_requires_confirmation = True
        waiting = sign(e2025, alliance["session2025"], "待确认协议", "5000000.00", ["广东省中医院", "广州医药集团有限公司"],
                       key="key-waiting", at=local(2025, 5, 24, 11), actor=organizer)
        db.session.commit()
    assert waiting.id not in results.alliance()["total"].entry_ids
    e2024.published = False
    db.session.commit()
    figures = results.alliance()
    assert 2024 not in figures["by_year"] and figures["events"] == 1


def test_achievements_and_trials(app, alliance, organizer):
    from eventops.core.errors import InvalidInput
    from eventops.exhibitors import services as exhibitors
    import pytest
    e2025 = alliance["events"][1]
    hospital = alliance["orgs"]["广东省中医院"]
    with app.test_request_context():
        exhibitors.add_booth(e2025, code="A01", zone="achievements", x=0, y=0, actor=organizer)
        item = results.add_achievement(e2025, hospital, title_zh="院内制剂转化", stage="licensed", booth_code="a01",
                                       topics=["成果转化"], actor=organizer)
        assert item.booth.code == "A01"
        with pytest.raises(InvalidInput) as bad:
            results.add_achievement(e2025, hospital, title_zh="", stage="moon", booth_code="Z99", actor=organizer)
        assert set(bad.value.errors) == {"title_zh", "stage", "booth_code"}
        manager = alliance["managers"]["广东省中医院"]
        results.set_stage(item, "market", actor=manager)
        with pytest.raises(results.ResultsError):
            results.set_stage(item, "pilot", actor=alliance["managers"]["广州医药集团有限公司"])
        trial = results.submit_trial(hospital, title="中药复方治疗慢性胃炎 III 期", phase="III", registration_no="ctr 20251234",
                                     started_on="2025-03-01", topics=["临床试验"], actor=manager)
        assert trial.registration_no == "CTR20251234" and results.trials_of(hospital) == []
        with pytest.raises(results.ResultsError):
            results.submit_trial(hospital, title="x", phase="I", actor=alliance["managers"]["广州医药集团有限公司"])
        with pytest.raises(results.ResultsError):
            results.submit_trial(alliance["orgs"]["广州医药集团有限公司"], title="x", phase="I", actor=organizer)
        with pytest.raises(InvalidInput) as bad:
            results.submit_trial(hospital, title="", phase="V", started_on="2025-13-01", actor=manager)
        assert set(bad.value.errors) == {"title", "phase", "started_on"}
        results.review_trial(trial, publish=True, actor=organizer)
        db.session.commit()
    out = results.organisation_results(hospital)
    assert [a.stage for a in out["achievements"]] == ["market"] and [t.id for t in out["trials"]] == [trial.id]

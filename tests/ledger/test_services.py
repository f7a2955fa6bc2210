"""The ledger's rules, without HTTP."""
import pytest
from sqlalchemy import func, select, text

from eventops.core.errors import InvalidInput
from eventops.extensions import db
from eventops.ledger import services as ledger
from eventops.ledger.models import LedgerEntry
from eventops.registration import services as registrations

from ..factories import make_event, person
from .conftest import COMPANIES, HOSPITALS, contract


def record(event, data, actor, key):
    entry, created = ledger.record(event, data, actor=actor, key=key)
    db.session.commit()
    return entry, created


def test_record_counts_and_chains(signing, clerk):
    event, (morning, afternoon) = signing["event"], signing["sessions"]
    first, created = record(event, contract(morning, "15000000.00"), clerk, "key-00000001")
    second, _ = record(event, contract(afternoon, "0.01", category="strategic_cooperation",
                                       parties=[HOSPITALS[1], COMPANIES[1], HOSPITALS[2]]), clerk, "key-00000002")
    assert created and (first.seq, second.seq) == (1, 2)
    assert second.prev_hash == first.hash
    assert first.recorded_by_label == "clerk@example.cn" and first.recorded_at is not None
    summary = ledger.summary(event)
    assert summary["total_fen"] == 1_500_000_001
    assert summary["contracts"] == 2
    assert summary["by_category"]["strategic_cooperation"]["total_fen"] == 1
    assert summary["by_session"][morning.id]["total_fen"] == 1_500_000_000
    assert ledger.verify(event) == []


def test_undisclosed_amounts_count_as_contracts_outside_the_total(signing, clerk):
    event, (morning, _) = signing["event"], signing["sessions"]
    record(event, contract(morning, None, undisclosed=True), clerk, "key-00000001")
    summary = ledger.summary(event)
    assert (summary["contracts"], summary["undisclosed"], summary["total_fen"]) == (1, 1, 0)


def test_the_same_key_records_once(signing, clerk):
    event, (morning, _) = signing["event"], signing["sessions"]
    first, created = record(event, contract(morning), clerk, "double-click-1")
    again, created_again = record(event, contract(morning, "999.00"), clerk, "double-click-1")
    assert created and not created_again and again.id == first.id
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 1


@pytest.mark.parametrize("changes,field", [
    ({"amount": "-5"}, "amount"), ({"amount": "1.005"}, "amount"), ({"amount": "1000000000000.01"}, "amount"),
    ({"amount": "abc"}, "amount"), ({"amount": "0"}, "amount"), ({"session_id": None}, "session_id"),
    ({"parties": [HOSPITALS[0]]}, "parties"), ({"parties": [HOSPITALS[0], HOSPITALS[0]]}, "parties"),
    ({"title": " "}, "title"), ({"category": "bribe"}, "category"),
])
def test_bad_contracts_are_refused(signing, clerk, changes, field):
    event, (morning, _) = signing["event"], signing["sessions"]
    with pytest.raises(InvalidInput) as exc:
        ledger.record(event, contract(morning, **changes), actor=clerk, key="key-00000001")
    assert field in exc.value.errors
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


def test_parties_and_sessions_of_another_event_are_refused(app, signing, clerk, organizer):
    event, (morning, _) = signing["event"], signing["sessions"]
    other = make_event(organizer)
    with app.test_request_context():
        registrations.register(other, person(99, organisation="外地生物科技有限公司", org_type="enterprise"))
        other_session = ledger.add_session(other, name_zh="别的签约", actor=organizer)
        db.session.commit()
    with pytest.raises(InvalidInput) as exc:
        ledger.record(event, contract(morning, parties=[HOSPITALS[0], "外地生物科技有限公司"]), actor=clerk, key="k-00000001")
    assert "外地生物科技有限公司" in exc.value.errors["parties"]
    db.session.rollback()
    with pytest.raises(InvalidInput) as exc:
        ledger.record(event, contract(other_session), actor=clerk, key="k-00000002")
    assert "session_id" in exc.value.errors


def test_reversal_and_correction_append_and_keep_the_total_exact(signing, clerk):
    event, (morning, _) = signing["event"], signing["sessions"]
    wrong, _ = record(event, contract(morning, "1500000.00"), clerk, "k-00000001")
    record(event, contract(morning, "250.50"), clerk, "k-00000002")
    fixed, _ = ledger.correct(event, wrong.id, contract(morning, "15000000.00"), actor=clerk, key="k-00000003",
                              reason="少写一个零")
    db.session.commit()
    assert fixed.target_id == wrong.id
    kinds = db.session.scalars(select(LedgerEntry.kind).order_by(LedgerEntry.seq)).all()
    assert kinds == ["record", "record", "reversal", "record"]
    assert ledger.summary(event)["total_fen"] == 1_500_000_000 + 25_050
    with pytest.raises(ledger.LedgerError):
        ledger.reverse(event, wrong.id, actor=clerk, key="k-00000004")
    db.session.rollback()
    assert ledger.verify(event) == []
    assert ledger.recompute(event)["total_fen"] == ledger.summary(event)["total_fen"]


def test_second_person_confirmation(signing, clerk, organizer):
    event, (morning, _) = signing["event"], signing["sessions"]
    event.signing_requires_confirmation = True
    db.session.commit()
    entry, _ = record(event, contract(morning, "100.00"), clerk, "k-00000001")
    assert ledger.summary(event)["total_fen"] == 0
    with pytest.raises(ledger.LedgerError) as exc:
        ledger.confirm(event, entry.id, actor=clerk, key="k-00000002")
    assert exc.value.code == "same_person"
    db.session.rollback()
    ledger.confirm(event, entry.id, actor=organizer, key="k-00000003")
    db.session.commit()
    assert ledger.summary(event)["total_fen"] == 10_000
    ledger.reverse(event, entry.id, actor=organizer, key="k-00000004")
    db.session.commit()
    assert ledger.summary(event)["total_fen"] == 0
    assert ledger.verify(event) == []


def test_the_database_refuses_updates_and_deletes(signing, clerk):
    event, (morning, _) = signing["event"], signing["sessions"]
    entry, _ = record(event, contract(morning), clerk, "k-00000001")
    for statement in ["UPDATE ledger_entries SET amount_fen = 1", "DELETE FROM ledger_entries"]:
        with pytest.raises(Exception) as exc:
            db.session.execute(text(statement))
            db.session.flush()
        assert "append-only" in str(exc.value)
        db.session.rollback()


def _bypass_triggers(statement):
    """What a curious database user with enough rights could do."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE ledger_entries DISABLE TRIGGER USER"))
        db.session.execute(text(statement))
        db.session.execute(text("ALTER TABLE ledger_entries ENABLE TRIGGER USER"))
    else:
        db.session.execute(text("DROP TRIGGER IF EXISTS ledger_entries_no_update"))
        db.session.execute(text("DROP TRIGGER IF EXISTS ledger_entries_no_delete"))
        db.session.execute(text(statement))
    db.session.commit()


@pytest.mark.parametrize("statement,finding", [
    ("UPDATE ledger_entries SET amount_fen = amount_fen * 10 WHERE seq = 2", "entry 2: its content was changed"),
    ("UPDATE ledger_entries SET title = '改过的标题' WHERE seq = 1", "entry 1: its content was changed"),
    ("DELETE FROM ledger_entries WHERE seq = 3", "entry 4: expected sequence number 3"),
])
def test_a_direct_database_edit_is_caught_by_the_chain_check(app, signing, clerk, statement, finding):
    event, (morning, _) = signing["event"], signing["sessions"]
    for n in range(1, 5):
        record(event, contract(morning, f"{n}000.00"), clerk, f"k-0000000{n}")
    assert ledger.verify(event) == []
    _bypass_triggers(statement)
    db.session.expire_all()
    problems = ledger.verify(event)
    assert any(finding in p for p in problems), problems
    result = app.test_cli_runner().invoke(args=["ledger", "verify", "--event", event.slug])
    assert result.exit_code == 1 and finding in result.output


def _truncate_and_rewrite_the_head(event, keep):
    """The insider of the issue: triggers dropped, the tail deleted, head and totals rewritten so
    that they match the entries that are left."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE ledger_entries DISABLE TRIGGER USER"))
    else:
        db.session.execute(text("DROP TRIGGER IF EXISTS ledger_entries_no_delete"))
    db.session.execute(text("DELETE FROM ledger_entries WHERE event_id = :e AND seq > :k"), {"e": event.id, "k": keep})
    last = db.session.execute(text("SELECT hash, mac FROM ledger_entries WHERE event_id = :e AND seq = :k"),
                              {"e": event.id, "k": keep}).one()
    computed = ledger.recompute(event)
    db.session.execute(text("UPDATE ledger_heads SET last_seq = :k, last_hash = :h, last_mac = :m, total_fen = :t, "
                            "contracts = :c, undisclosed = :u WHERE event_id = :e"),
                       {"k": keep, "h": last[0], "m": last[1], "t": computed["total_fen"], "c": computed["contracts"],
                        "u": computed["undisclosed"], "e": event.id})
    db.session.execute(text("DELETE FROM ledger_totals WHERE event_id = :e"), {"e": event.id})
    for (session_id, category), (total, contracts, undisclosed) in computed["groups"].items():
        db.session.execute(text("INSERT INTO ledger_totals (event_id, session_id, category, total_fen, contracts, "
                                "undisclosed) VALUES (:e, :s, :c, :t, :n, :u)"),
                           {"e": event.id, "s": session_id, "c": category, "t": total, "n": contracts, "u": undisclosed})
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE ledger_entries ENABLE TRIGGER USER"))
    db.session.commit()
    db.session.expire_all()


def test_a_truncated_tail_with_rewritten_heads_is_found_by_the_checkpoint(app, signing, clerk, organizer):
    event, (morning, _afternoon) = signing["event"], signing["sessions"]
    for n in range(1, 6):
        record(event, contract(morning, f"{n}000.00"), clerk, f"cut-0000{n}")
    ledger.close_session(event, morning, actor=organizer)  # checkpoint at entry 5
    db.session.commit()
    assert ledger.verify(event) == []
    _truncate_and_rewrite_the_head(event, keep=3)
    problems = ledger.verify(event)
    assert any("saw entry 5, but the ledger ends at entry 3" in p for p in problems), problems
    result = app.test_cli_runner().invoke(args=["ledger", "verify", "--event", event.slug])
    assert result.exit_code == 1 and "entries were removed" in result.output


def test_a_printed_checkpoint_proves_the_tail_even_without_the_table(app, signing, clerk):
    event, (morning, _) = signing["event"], signing["sessions"]
    for n in range(1, 4):
        record(event, contract(morning, f"{n}00.00"), clerk, f"prn-0000{n}")
    point = ledger.checkpoint(event, reason="press_summary")
    db.session.commit()
    printed = f"{point.seq}:{point.entry_hash[:16]}"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["ledger", "verify", "--event", event.slug, "--printed", printed]).exit_code == 0
    _truncate_and_rewrite_the_head(event, keep=2)
    result = runner.invoke(args=["ledger", "verify", "--event", event.slug, "--printed", printed])
    assert result.exit_code == 1 and "entry 3 was printed" in result.output
    bad = runner.invoke(args=["ledger", "verify", "--event", event.slug, "--printed", "three:abc"])
    assert bad.exit_code != 0 and "ENTRY:HASH" in bad.output


def test_an_entry_rewritten_with_a_recomputed_hash_chain_fails_the_keyed_mac(app, signing, clerk):
    """Someone who knows the (public) hash recipe rewrites an amount and recomputes every hash
    after it: the plain chain is whole again, the keyed one is not."""
    from eventops.ledger import chain
    event, (morning, _) = signing["event"], signing["sessions"]
    for n in range(1, 4):
        record(event, contract(morning, f"{n}000.00"), clerk, f"mac-0000{n}")
    entries = list(ledger.all_entries(event))
    assert all(e.mac for e in entries)
    _bypass_triggers("UPDATE ledger_entries SET amount_fen = 99900000 WHERE seq = 2")
    db.session.expire_all()
    previous = chain.GENESIS
    for entry in list(ledger.all_entries(event)):  # read them all first: ALTER TABLE needs no open cursor
        new_hash = chain.entry_hash(previous, entry)
        _bypass_triggers(f"UPDATE ledger_entries SET prev_hash = '{previous}', hash = '{new_hash}' WHERE id = {entry.id}")
        previous = new_hash
    db.session.expire_all()
    problems = ledger.verify(event)
    assert not any("content was changed" in p for p in problems)
    assert any("entry 2: its keyed mac is wrong" in p for p in problems), problems


def test_a_closed_session_takes_no_new_contracts(signing, clerk, organizer):
    event, (morning, _afternoon) = signing["event"], signing["sessions"]
    entry, _ = record(event, contract(morning), clerk, "cls-00001")
    ledger.close_session(event, morning, actor=organizer)
    db.session.commit()
    with pytest.raises(InvalidInput) as exc:
        ledger.record(event, contract(morning), actor=clerk, key="cls-00002")
    assert "session_id" in exc.value.errors
    db.session.rollback()
    ledger.correct(event, entry.id, contract(morning, "2000000.00"), actor=clerk, key="cls-00003")  # still allowed
    db.session.commit()
    assert ledger.verify(event) == []


def test_without_a_key_the_ledger_still_chains_and_says_what_it_cannot_check(app, signing, clerk):
    event, (morning, _) = signing["event"], signing["sessions"]
    app.config["LEDGER_KEY"] = None
    try:
        record(event, contract(morning), clerk, "nok-00001")
        assert ledger.all_entries(event).first().mac is None
        assert ledger.verify(event) == []
    finally:
        app.config["LEDGER_KEY"] = "test-ledger-key"
    record(event, contract(morning), clerk, "nok-00002")  # keyed from here on
    assert ledger.verify(event) == []
    app.config["LEDGER_KEY"] = None
    try:
        assert any("EVENTOPS_LEDGER_KEY is not set" in p for p in ledger.verify(event))
    finally:
        app.config["LEDGER_KEY"] = "test-ledger-key"


"""Random sequences of recordings, reversals and corrections keep the total equal to the exact
sum of the live contracts."""
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventops.extensions import db
from eventops.ledger import services as ledger

from .conftest import COMPANIES, HOSPITALS, contract, make_signing_event

amounts = st.one_of(
    st.none(),  # undisclosed
    st.integers(min_value=1, max_value=10**14).map(lambda fen: f"{Decimal(fen) / 100:.2f}"),
)
operations = st.lists(st.one_of(
    st.tuples(st.just("record"), amounts, st.integers(0, 1), st.sampled_from(["technology_transfer", "investment", "clinical_trial"])),
    st.tuples(st.just("reverse"), st.integers(0, 30)),
    st.tuples(st.just("correct"), st.integers(0, 30), amounts),
), min_size=1, max_size=25)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_total_is_the_exact_sum_of_live_contracts(app, organizer, clerk, ops):
    signing = make_signing_event(app, organizer, clerk)  # a fresh ledger for every example
    event, sessions = signing["event"], signing["sessions"]
    live = {}        # entry id -> fen or None (the model the ledger must agree with)
    counter = [0]

    def key():
        counter[0] += 1
        return f"prop-{id(ops)}-{counter[0]:05d}"

    for op in ops:
        if op[0] == "record":
            _, amount, session_index, category = op
            entry, _ = ledger.record(event, contract(sessions[session_index], amount, undisclosed=amount is None,
                                                     category=category), actor=clerk, key=key())
            live[entry.id] = None if amount is None else int(Decimal(amount) * 100)
        elif live:
            target = sorted(live)[op[1] % len(live)]
            if op[0] == "reverse":
                ledger.reverse(event, target, actor=clerk, key=key())
                del live[target]
            else:
                amount = op[2]
                entry, _ = ledger.correct(event, target, contract(sessions[0], amount, undisclosed=amount is None,
                                                                  parties=[HOSPITALS[1], COMPANIES[1]]),
                                          actor=clerk, key=key())
                del live[target]
                live[entry.id] = None if amount is None else int(Decimal(amount) * 100)
        db.session.commit()
        summary = ledger.summary(event)
        assert summary["total_fen"] == sum(v for v in live.values() if v is not None)
        assert summary["contracts"] == len(live)
        assert summary["undisclosed"] == sum(1 for v in live.values() if v is None)
    assert ledger.recompute(event)["total_fen"] == ledger.summary(event)["total_fen"]
    assert ledger.verify(event) == []

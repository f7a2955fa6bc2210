"""The scan's statements, built once (eventops/checkin/statements.py): their parameters are named
apart from every column, so that SQLAlchemy never adds one to a VALUES or SET clause (the CTE's
UPDATE of devices would otherwise set the device's event_id from the scan's)."""
import pytest
from sqlalchemy.dialects import postgresql, sqlite

from eventops.checkin import statements
from eventops.checkin.models import CheckIn, Device, Scan

COLUMNS = {c.name for table in (Scan.__table__, Device.__table__, CheckIn.__table__) for c in table.columns}


BUILDS = {"scan": lambda d: statements.add_scan(d), "scan noting the device": lambda d: statements.add_scan(d, seen=True),
          "check-in": lambda d: statements.add_check_in(d)}


def required(compiled) -> set:
    return {name for name, bind in compiled.binds.items() if bind.required}


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
@pytest.mark.parametrize("which", sorted(BUILDS))
def test_parameters_are_named_apart_from_columns(dialect, which):
    compiled = BUILDS[which](dialect).compile(dialect=(postgresql if dialect == "postgresql" else sqlite).dialect())
    assert compiled.params, "the statement has bound parameters"
    assert not set(compiled.params) & COLUMNS


def test_the_values_helpers_give_every_parameter():
    values = {name: None for name in statements.SCAN_VALUES}
    compiled = statements.add_scan("postgresql", seen=True).compile(dialect=postgresql.dialect())
    assert set(statements.scan_values(values, device_id=1, at=None)) == required(compiled)
    compiled = statements.add_check_in("postgresql").compile(dialect=postgresql.dialect())
    assert set(statements.check_in_values(**{n: None for n in statements.CHECK_IN_VALUES})) == required(compiled)


def test_each_statement_is_built_once():
    for by in (None, "code", "registration"):
        assert statements.door(by) is statements.door(by)
    assert statements.add_scan("postgresql") is statements.add_scan("postgresql")


def test_the_door_look_up_does_not_read_the_scans():
    """A retried scan is told by its INSERT (the nonce's unique index): a look-up of the nonce in
    ``scans`` was planned once per connection while the table was nearly empty, as a sequential
    scan, so every scan of the day got slower than the one before."""
    for by in (None, "code", "registration"):
        sql = str(statements.door(by))
        assert "JOIN check_ins" in sql and "JOIN scans" not in sql and "scans." not in sql

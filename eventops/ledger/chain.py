"""The chains that make the ledger tamper-evident.

- ``hash``: SHA-256 over an entry's content and the hash before it. Anyone can recompute it, so it
  finds accidents and edits by someone who did not bother to recompute the chain.
- ``mac``: HMAC-SHA256 of the same content and the mac before it, keyed by a secret kept outside
  the database (``EVENTOPS_LEDGER_KEY``). An insider with full access to the tables cannot forge
  or change an entry without the key. (Entries recorded before a key was set have no mac.)
- Checkpoints (``LedgerCheckpoint``): the chain's end (sequence number and hash) at a moment that
  matters — a signing session closes, the press summary is printed — kept outside the ledger
  tables, signed with the key, logged, and printed on the press PDF. Cutting the tail off the
  ledger and rewriting its head leaves a checkpoint that points past the end.
"""
import hashlib
import hmac
import json

GENESIS = "0" * 64


def _time(value):
    return value.isoformat(timespec="microseconds") if value is not None else None


def payload(entry) -> dict:
    """Everything an entry says; changing any of it changes the hash."""
    return {
        "event_id": entry.event_id, "seq": entry.seq, "kind": entry.kind, "target_id": entry.target_id,
        "title": entry.title, "category": entry.category, "amount_fen": entry.amount_fen,
        "session_id": entry.session_id, "signed_at": _time(entry.signed_at),
        "parties": entry.parties, "signatories": entry.signatories, "note": entry.note,
        "needs_confirmation": bool(entry.needs_confirmation), "recorded_by_id": entry.recorded_by_id,
        "recorded_by_label": entry.recorded_by_label, "recorded_at": _time(entry.recorded_at),
        "idempotency_key": entry.idempotency_key,
    }


def _body(entry) -> bytes:
    return json.dumps(payload(entry), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def entry_hash(prev_hash: str, entry) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + _body(entry)).hexdigest()


def entry_mac(key: str, prev: str, entry) -> str:
    """The keyed link: ``prev`` is the mac of the entry before (or its hash, for the first keyed
    entry after unkeyed ones, or GENESIS)."""
    return hmac.new(key.encode("utf-8"), prev.encode("ascii") + b"\n" + _body(entry), hashlib.sha256).hexdigest()


def checkpoint_mac(key: str, event_id: int, seq: int, entry_hash_: str) -> str:
    message = f"checkpoint:{event_id}:{seq}:{entry_hash_}".encode("ascii")
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a, b)

"""The hash chain: each entry's hash covers its content and the hash before it."""
import hashlib
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


def entry_hash(prev_hash: str, entry) -> str:
    body = json.dumps(payload(entry), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + "\n" + body).encode("utf-8")).hexdigest()

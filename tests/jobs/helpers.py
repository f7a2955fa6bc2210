"""Data for job tests: many confirmed people at once, and large CSV files."""
import secrets

from sqlalchemy import insert

from eventops.core.timeutil import now_utc
from eventops.extensions import db
from eventops.organisations import services as organisations
from eventops.registration.models import Registration
from eventops.registration.services import hash_token

HEADER = "姓名,单位,单位类型,职务,手机,邮箱,参会身份\n"


def confirmed_people(event, n, *, start=0, category="attendee"):
    """``n`` approved registrations in one statement (the badge print's input)."""
    org = organisations.find_or_create("广东省人民医院", "hospital")
    db.session.flush()
    now = now_utc()
    rows = [dict(event_id=event.id, organisation_id=org.id, name=f"张{i}媛", position="主任医师",
                 mobile=f"137{i:08d}", email=f"bulk{i}@example.cn", email_key=f"bulk{i}@example.cn",
                 category=category, tags=[], answers={}, status="approved",
                 token_hash=hash_token(secrets.token_urlsafe(24)), source="import", locale="zh",
                 created_at=now, updated_at=now, status_changed_at=now) for i in range(start, start + n)]
    db.session.execute(insert(Registration), rows)
    db.session.commit()


def csv_rows(n, *, start=0) -> bytes:
    lines = [f"李{i}明,中山大学附属第{i % 7 + 1}医院,医院,医生,139{i:08d},csv{i}@example.cn,参会者"
             for i in range(start, start + n)]
    return (HEADER + "\n".join(lines) + "\n").encode("utf-8")

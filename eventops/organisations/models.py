from flask_babel import lazy_gettext as _l
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import UTCDateTime
from ..core.timeutil import now_utc
from ..extensions import db

ORG_TYPES = {
    "hospital": _l("Hospital"),
    "enterprise": _l("Biopharma / medical device company"),
    "government": _l("Government department"),
    "association": _l("Industry association"),
    "service_agency": _l("Third-party service agency"),
    "university": _l("University / research institute"),
    "media": _l("Media"),
    "other": _l("Other"),
}


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: the name folded for matching: no spaces, full-width letters folded, lower case
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    org_type: Mapped[str] = mapped_column(String(32), default="other")
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)

    @property
    def org_type_label(self):
        return ORG_TYPES.get(self.org_type, self.org_type)

"""Imports every domain's models so that the metadata is complete (Alembic, tests)."""
from .accounts.models import EventRole, OrganisationManager, User  # noqa: F401
from .badges.models import Badge  # noqa: F401
from .checkin.models import CheckIn, Device, Gate, Scan, TestScan  # noqa: F401
from .core.models import AuditEntry, MailAttachment, MailAttempt, MailMessage, MailSecret  # noqa: F401
from .events.models import CategoryCapacity, Event, Question  # noqa: F401
from .exhibitors.models import (Booth, BoothApplication, Demand, ExhibitorProfile, Lead,  # noqa: F401
                                Notice, PrincipalInvestigator, Recommendation, Upload)
from .meetings.models import (Availability, Broker, Meeting, MeetingRequest, MeetingSeat,  # noqa: F401
                              MeetingSlot, NegotiationTable, ProgrammeSession, ZoneSettings)
from .ledger.models import LedgerCheckpoint, LedgerEntry, LedgerHead, LedgerTotal, SigningSession  # noqa: F401
from .jobs.models import Job, JobChunk, JobFile  # noqa: F401
from .organisations.models import Organisation  # noqa: F401
from .platform.models import (Achievement, Article, ArticleLink, ClinicalTrial, Policy,  # noqa: F401
                              PolicyAttachment, PolicyPush, PolicySession)
from .registration.models import ImportBatch, Registration  # noqa: F401

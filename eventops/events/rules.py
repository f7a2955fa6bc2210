"""What a sign-up needs to know of an event besides its row: the places per category, the custom
questions, the interest tags with their English labels. Read once per event and kept by each
worker, keyed by ``Event.rules_version``, which every change to these gives a new value in the
same transaction (see models). Several workers on several machines therefore never serve stale
rules: a worker that reads a version it does not hold reads the rules again; nothing needs to be
told across processes.

The snapshot is plain, immutable data (no ORM objects, no session), so it can be shared by the
threads of a worker and outlive the request that read it. Other things derived from the rules
(the registration form's class) are kept with it: ``Rules.derived``.
"""
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from types import MappingProxyType

from .models import Bilingual, _bilingual

_MAX = 256  # events kept per worker; the least recently used goes first


@dataclass(frozen=True)
class QuestionRule:
    id: int
    kind: str
    label_zh: str
    label_en: str
    options: tuple
    options_en: tuple
    required: bool

    @property
    def label(self) -> str:
        return _bilingual(self.label_zh, self.label_en)

    @property
    def lazy_label(self) -> Bilingual:
        return Bilingual(self.label_zh, self.label_en)

    def option_label(self, option) -> Bilingual:
        english = dict(zip(self.options, self.options_en))
        return Bilingual(option, english.get(option, ""))


@dataclass(frozen=True)
class Rules:
    event_id: int
    version: int
    capacities: MappingProxyType          # category -> places, only where a limit is set
    questions: tuple                      # QuestionRule, in the order of the form
    tags: tuple                           # interest tags, as stored
    tags_en: MappingProxyType             # tag -> English label
    _derived: dict = field(default_factory=dict, compare=False, repr=False)

    def capacity(self, category: str) -> int | None:
        return self.capacities.get(category)

    def tag_label(self, tag: str) -> Bilingual:
        return Bilingual(tag, self.tags_en.get(tag, ""))

    def question(self, question_id) -> QuestionRule | None:
        for question in self.questions:
            if str(question.id) == str(question_id):
                return question
        return None

    def derived(self, key, build):
        """``build()`` once per rules version and key (two threads may both build it the first
        time; the result is the same)."""
        try:
            return self._derived[key]
        except KeyError:
            value = self._derived[key] = build()
            return value


_cache: "OrderedDict[tuple[int, int], Rules]" = OrderedDict()
_lock = threading.Lock()


def rules_of(event) -> Rules:
    """The rules of ``event`` at the version its row carries (read from the database at most once
    per version and worker)."""
    key = (event.id, event.rules_version)
    with _lock:
        rules = _cache.get(key)
        if rules is not None:
            _cache.move_to_end(key)
            return rules
    rules = _read(event)
    with _lock:
        _cache[key] = rules
        while len(_cache) > _MAX:
            _cache.popitem(last=False)
    return rules


def _read(event) -> Rules:
    return Rules(
        event_id=event.id, version=event.rules_version,
        capacities=MappingProxyType({cc.category: cc.capacity for cc in event.category_capacities}),
        questions=tuple(QuestionRule(id=q.id, kind=q.kind, label_zh=q.label_zh, label_en=q.label_en or "",
                                     options=tuple(q.options or ()), options_en=tuple(q.options_en or ()),
                                     required=bool(q.required)) for q in event.questions),
        tags=tuple(event.interest_tags or ()),
        tags_en=MappingProxyType(dict(event.interest_tags_en or {})))


def forget_all() -> None:
    """Drop every cached snapshot (tests)."""
    with _lock:
        _cache.clear()

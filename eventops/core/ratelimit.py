"""Rate-limit storage that uses Redis when it answers and each process's memory when it does not.

Redis makes the limits shared by every worker on every machine; it must not be a single point of
failure. ``fallback+redis://host:port/db`` (what :func:`storage_uri` makes of ``EVENTOPS_REDIS_URL``)
names this storage for Flask-Limiter: every operation goes to Redis, and when Redis raises (closed
port, timeout, restart) the operation is answered from an in-memory storage of this process
instead, Redis is left alone for :attr:`RETRY_AFTER` seconds, and a warning is logged at most once a
minute. The limits still hold per process while Redis is down, and the requests go on answering.

Importing this module registers the scheme (``limits`` keeps a registry of storage classes).
"""
import logging
import threading
import time

from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.storage.base import MovingWindowSupport, SlidingWindowCounterSupport

log = logging.getLogger(__name__)

SCHEME = "fallback+"


def storage_uri(redis_url: str | None) -> str:
    """The Flask-Limiter storage for a Redis URL (or memory when there is none)."""
    if not redis_url:
        return "memory://"
    return SCHEME + redis_url


class _Never(Exception):
    """Nothing raises this: errors are handled inside, never wrapped by ``limits``."""


class FallbackStorage(Storage, MovingWindowSupport, SlidingWindowCounterSupport):
    STORAGE_SCHEME = ["fallback+redis", "fallback+rediss", "fallback+redis+unix"]
    #: seconds without trying Redis after it failed
    RETRY_AFTER = 5.0
    #: at most one warning per this many seconds while Redis is down
    LOG_EVERY = 60.0

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        # a Redis that does not answer must cost a request little: short timeouts, no retries
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        options.setdefault("retry_on_timeout", False)
        self.primary = RedisStorage(uri[len(SCHEME):], **options)
        self.memory = MemoryStorage()
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._last_log = float("-inf")
        self._failures = 0

    @property
    def base_exceptions(self):
        return _Never

    @property
    def using_memory(self) -> bool:
        return time.monotonic() < self._down_until

    def _call(self, name, *args, **kwargs):
        if not self.using_memory:
            try:
                return getattr(self.primary, name)(*args, **kwargs)
            except Exception as exc:  # redis.RedisError and OSError alike: any failure of the storage
                self._went_down(exc)
        return getattr(self.memory, name)(*args, **kwargs)

    def _went_down(self, exc):
        now = time.monotonic()
        with self._lock:
            self._down_until = now + self.RETRY_AFTER
            self._failures += 1
            if now - self._last_log >= self.LOG_EVERY:
                self._last_log = now
                log.warning("rate-limit storage (Redis) unreachable, counting in this process's memory "
                            "(%d failure(s) since the last warning): %s", self._failures, exc)
                self._failures = 0

    # --- the Storage interface ----------------------------------------------------------------

    def incr(self, key, expiry, amount=1):
        return self._call("incr", key, expiry, amount=amount)

    def get(self, key):
        return self._call("get", key)

    def get_expiry(self, key):
        return self._call("get_expiry", key)

    def check(self):
        try:
            return bool(self.primary.check())
        except Exception:
            return False

    def reset(self):
        self.memory.reset()
        return self._call("reset")

    def clear(self, key):
        self.memory.clear(key)
        return self._call("clear", key)

    def acquire_entry(self, key, limit, expiry, amount=1):
        return self._call("acquire_entry", key, limit, expiry, amount=amount)

    def get_moving_window(self, key, limit, expiry):
        return self._call("get_moving_window", key, limit, expiry)

    def acquire_sliding_window_entry(self, key, limit, expiry, amount=1):
        return self._call("acquire_sliding_window_entry", key, limit, expiry, amount=amount)

    def get_sliding_window(self, key, expiry):
        return self._call("get_sliding_window", key, expiry)

    def clear_sliding_window(self, key, expiry):
        self.memory.clear_sliding_window(key, expiry)
        return self._call("clear_sliding_window", key, expiry)

"""The rate-limit storage: Redis when it answers, this process's memory when it does not (a closed
port, a Redis killed with SIGKILL), back to Redis when it returns; one warning a minute at most."""
import logging
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from eventops.core import ratelimit
from eventops.core.ratelimit import FallbackStorage, storage_uri

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_uri_of_a_redis_url():
    assert storage_uri(None) == storage_uri("") == "memory://"
    assert storage_uri("redis://10.0.0.5:6379/3") == "fallback+redis://10.0.0.5:6379/3"
    assert isinstance(storage_from_string(storage_uri("redis://127.0.0.1:1/0")), FallbackStorage)


def test_config_takes_the_environment():
    result = subprocess.run([sys.executable, "-c", "from eventops.config import Config; print(Config.RATELIMIT_STORAGE_URI)"],
                            cwd=ROOT, capture_output=True, text=True,
                            env={"EVENTOPS_REDIS_URL": "redis://127.0.0.1:6390/4", "PATH": "/usr/bin:/bin"})
    assert result.stdout.strip() == "fallback+redis://127.0.0.1:6390/4", result.stderr


def test_a_closed_port_counts_in_memory_and_warns_once_a_minute(caplog, monkeypatch):
    storage = storage_from_string(storage_uri(f"redis://127.0.0.1:{free_port()}/0"))
    monkeypatch.setattr(FallbackStorage, "RETRY_AFTER", 0.0)  # try Redis at every call
    limiter = FixedWindowRateLimiter(storage)
    three = parse("3 per minute")
    with caplog.at_level(logging.WARNING, logger=ratelimit.__name__):
        answers = [limiter.hit(three, "test", "key") for _ in range(5)]
    assert answers == [True, True, True, False, False]   # the limit holds, in this process's memory
    warnings = [r for r in caplog.records if r.name == ratelimit.__name__]
    assert len(warnings) == 1 and "unreachable" in warnings[0].getMessage()


def test_keys_go_to_redis_when_it_answers(clean_redis):
    storage = storage_from_string(storage_uri(clean_redis))
    FixedWindowRateLimiter(storage).hit(parse("3 per minute"), "test", "in-redis")
    keys = [k.decode() for k in redis.Redis.from_url(clean_redis).keys("*")]
    assert any("in-redis" in k for k in keys) and not storage.using_memory


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server of this test's own, on a free port, that the test may kill."""
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is missing")
    port = free_port()

    def start():
        process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                    "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
        client = redis.Redis(port=port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                if client.ping():
                    return process
            except redis.RedisError:
                time.sleep(0.05)
        process.kill()
        pytest.fail("redis-server did not start")
    servers = [start()]
    yield port, servers, start
    for process in servers:
        process.kill()
        process.wait(10)


def test_redis_killed_and_back(own_redis, monkeypatch):
    port, servers, start = own_redis
    monkeypatch.setattr(FallbackStorage, "RETRY_AFTER", 0.0)
    storage = storage_from_string(storage_uri(f"redis://127.0.0.1:{port}/0"))
    limiter = FixedWindowRateLimiter(storage)
    item = parse("100 per minute")
    assert limiter.hit(item, "k") and not storage.using_memory
    servers[0].send_signal(signal.SIGKILL)
    servers[0].wait(10)
    assert limiter.hit(item, "k")                       # answered from memory
    assert storage.memory.get(item.key_for("k")) == 1
    servers.append(start())
    assert limiter.hit(item, "k")                       # Redis again (a fresh one: its count starts anew)
    assert int(redis.Redis(port=port).get("LIMITS:" + item.key_for("k"))) == 1

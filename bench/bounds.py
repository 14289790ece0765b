"""What bounds the two goals the benchmark misses: their parts, timed in-process.

    .venv/bin/python bench/bounds.py      (needs redis-server, as bench/run does)

1. orjson vs Flask's standard provider on the cached 2,000-item page: besides
   serializing, every answer reads the page from the cache (unpickling builds
   8,000 Python objects) and hashes 190 KB for its strong ETag. Those parts are
   the same for both providers, so they cap the end-to-end ratio.
2. A Redis cache hit vs a ``simple`` one: the difference is one round trip to
   redis-server, timed here bare (a socket), through redis-py and through
   cachelib (what Flask-Caching uses), beside the in-process ``SimpleCache``.

Each figure is the median of several runs, in µs per call.
"""

from __future__ import annotations

import hashlib
import marshal
import pickle
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson
from cachelib import RedisCache, SimpleCache
from flask import Flask
from flask.json.provider import DefaultJSONProvider

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import BIG_PAGE_ITEMS, running_redis


def microseconds(work: Callable[[], object], count: int, repeats: int = 7) -> float:
    work()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(count):
            work()
        samples.append((time.perf_counter() - started) / count * 1e6)
    return statistics.median(samples)


def big_page() -> dict:
    """The shape of ``GET /api/v1/items?limit=2000`` after the bench's seeding."""
    items = [
        {
            "id": number + 1,
            "name": f"benchmark item {number:04d}",
            "quantity": number % 100,
            "created_at": "2026-11-29T22:15:00+00:00",
        }
        for number in range(BIG_PAGE_ITEMS)
    ]
    return {"items": items, "limit": BIG_PAGE_ITEMS, "offset": 0, "total": len(items)}


def page_parts() -> list[tuple[str, float]]:
    page = big_page()
    body = orjson.dumps(page)
    pickled = pickle.dumps(page, pickle.HIGHEST_PROTOCOL)
    marshalled = marshal.dumps(page)
    standard = DefaultJSONProvider(Flask(__name__))
    parts = [
        ("read the cached page: pickle.loads (what cachelib does)",
         lambda: pickle.loads(pickled), 50),
        ("  the same with marshal.loads", lambda: marshal.loads(marshalled), 50),
        ("  the same with orjson.loads", lambda: orjson.loads(body), 50),
        ("strong ETag: SHA-256 of the body", lambda: hashlib.sha256(body).digest(),
         200),
        ("serialize: orjson.dumps", lambda: orjson.dumps(page), 50),
        ("serialize: Flask's standard provider", lambda: standard.dumps(page), 10),
    ]  # fmt: skip
    return [(label, microseconds(work, count)) for label, work, count in parts]


def redis_parts(url: str) -> list[tuple[str, float]]:
    host, port = url.removeprefix("redis://").split("/")[0].split(":")
    shared = RedisCache(host=host, port=int(port), key_prefix="bounds:")
    local = SimpleCache()
    small_page = {"items": big_page()["items"][:20], "limit": 100, "offset": 0}
    for cache in (shared, local):
        cache.set("version", "v1")
        cache.set("page", ("v1", small_page))
    keys = ["bounds:version", "bounds:page"]
    command = f"*{len(keys) + 1}\r\n$4\r\nMGET\r\n".encode() + b"".join(
        f"${len(key)}\r\n{key}\r\n".encode() for key in keys
    )
    with socket.create_connection((host, int(port))) as raw:
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def round_trip() -> bytes:
            raw.sendall(command)
            return raw.recv(65536)

        bare = microseconds(round_trip, 2000)
    client = shared._read_client
    return [
        ("MGET round trip, bare socket", bare),
        ("MGET through redis-py", microseconds(lambda: client.mget(keys), 2000)),
        ("get_many through cachelib RedisCache (a Redis hit)",
         microseconds(lambda: shared.get_many("version", "page"), 2000)),
        ("get_many through cachelib SimpleCache (a simple hit)",
         microseconds(lambda: local.get_many("version", "page"), 2000)),
    ]  # fmt: skip


def main() -> int:
    redis_server = shutil.which("redis-server")
    if not redis_server:
        sys.exit("bounds.py needs redis-server: apt-get install redis-server")
    rows = [("2,000-item page, parts of every answer", None), *page_parts()]
    with (
        tempfile.TemporaryDirectory(prefix="bounds-") as scratch,
        running_redis(Path(scratch)) as url,
    ):
        rows += [("cache hit, 20-item page", None), *redis_parts(url)]
    for label, value in rows:
        print(f"\n{label}" if value is None else f"  {label:<58} {value:8.1f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())

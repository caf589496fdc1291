"""What the site keeps between requests: rendered bodies and computations under way."""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

_T = TypeVar("_T")


class RenderCache:
    """A small LRU of rendered bodies, keyed by what determines them."""

    def __init__(self, size: int = 512) -> None:
        self._items: OrderedDict[tuple[str, ...], bytes] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: tuple[str, ...], body: bytes) -> None:
        with self._lock:
            self._items[key] = body
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


class SingleFlight:
    """Runs one computation per key at a time; concurrent callers share its result.

    When a contest changes, a hundred polling clients miss the cache at once; only
    the first builds the new context, the others wait for it.
    """

    def __init__(self) -> None:
        self._running: dict[tuple[str, ...], asyncio.Future[Any]] = {}

    def running(self, key: tuple[str, ...]) -> bool:
        """True while a computation of ``key`` is under way."""
        return key in self._running

    async def run(self, key: tuple[str, ...], make: Callable[[], Awaitable[_T]]) -> _T:
        """``make()``'s result, or that of the computation of ``key`` under way (the
        callers of one key ask for the same thing, so its result has their type)."""
        running = self._running.get(key)
        if running is not None:
            return cast("_T", await asyncio.shield(running))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            result = await make()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it, nobody else must
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._running[key]

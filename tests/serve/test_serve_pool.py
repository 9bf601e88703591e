"""The bounded inference pool, in-process: it never runs more than `workers` calls at once,
and a request finding the workers busy and the queue full gets 503 at once."""

from __future__ import annotations

import threading

import pytest

from helpers.serve import require

anyio = require("anyio")
require("starlette")

from mnist_edge.serve.inference import Pool  # noqa: E402
from mnist_edge.serve.limits import ApiError, Limits  # noqa: E402
from mnist_edge.serve.metrics import Metrics  # noqa: E402


def test_full_queue_is_503_and_the_pool_recovers():
    pool = Pool(Limits(workers=1, queue=1), Metrics())
    release, running, seen = threading.Event(), threading.Event(), []

    def blocking():
        running.set()
        release.wait(60)
        return "done"

    async def main():
        async with anyio.create_task_group() as tg:
            async def first():
                seen.append(await pool.run(blocking))

            async def second():
                seen.append(await pool.run(lambda: "queued"))

            tg.start_soon(first)
            await anyio.to_thread.run_sync(running.wait)
            tg.start_soon(second)  # waits in the queue (length 1)
            await anyio.wait_all_tasks_blocked()
            with pytest.raises(ApiError) as refused:
                await pool.run(lambda: "third")
            assert refused.value.status == 503 and refused.value.headers == {"Retry-After": "1"}
            release.set()
        assert await pool.run(lambda: "after") == "after"

    anyio.run(main)
    assert seen == ["done", "queued"]

"""Run many flows of one runner at once: lanes run in parallel, the flows of one lane one after the other.

``publish_many`` and ``apply_sync`` share this driver: what each item does is a flow
(:mod:`~aviv_caas_auth.workflows.effects`), which item may run beside which is a lane (items of
one offererEstateId share a lane), and ``finish(index, outcome)`` records each outcome as it
comes. At most ``concurrency`` lanes are in flight: threads for :func:`run`, tasks (asyncio or
trio, through anyio) for :func:`arun`. A flow that raises a ``CaasError`` ends with that error as
its outcome (one item failing never stops the others); anything else (a bug, a cancellation) ends
the batch and is raised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor
from concurrent.futures import wait as wait_for_futures
from typing import Any

from aviv_caas_auth.errors import CaasError
from aviv_caas_auth.workflows.effects import Flow, Runner

_log = logging.getLogger("aviv_caas_auth")

FlowOf = Callable[[int], Flow[Any] | None]
"""The flow of item ``index``, or None when the item already has its outcome (nothing to send)."""
Finish = Callable[[int, Any], None]
"""Record the outcome of item ``index`` (None: the item had no flow)."""


def check_concurrency(concurrency: object) -> int:
    """``concurrency`` if it is a whole number >= 1; a ValueError otherwise."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be a whole number >= 1, got {concurrency!r}")
    return concurrency


def report_progress(progress: Callable[[Any], object] | None, report: Any, what: str) -> None:
    """Call ``progress(report)``; an exception it raises is logged (``what`` names the batch) and ignored.

    A callback's bug must not lose the outcomes of a batch that already sent its requests.
    """
    if progress is None:
        return
    try:
        progress(report)
    except Exception:  # noqa: BLE001 - see above
        _log.exception("%s: the progress callback failed; going on", what)


def run(
    runner: Runner, lanes: Sequence[Sequence[int]], flow_of: FlowOf, finish: Finish, concurrency: int
) -> None:
    """Drive every lane with ``runner.run``, ``concurrency`` threads at a time."""

    def lane_worker(lane: Sequence[int]) -> None:
        for index in lane:
            flow = flow_of(index)
            if flow is None:
                finish(index, None)
                continue
            try:
                outcome: Any = runner.run(flow)
            except CaasError as error:
                outcome = error
            finish(index, outcome)

    if not lanes:
        return
    with ThreadPoolExecutor(max_workers=min(concurrency, len(lanes)), thread_name_prefix="batch") as pool:
        futures = [pool.submit(lane_worker, lane) for lane in lanes]
        done, _pending = wait_for_futures(futures, return_when=FIRST_EXCEPTION)
        for future in done:
            if future.exception() is not None:
                pool.shutdown(wait=True, cancel_futures=True)
                future.result()


async def arun(
    runner: Runner, lanes: Sequence[Sequence[int]], flow_of: FlowOf, finish: Finish, concurrency: int
) -> None:
    """Drive every lane with ``runner.arun``, ``concurrency`` tasks at a time."""
    import anyio

    limiter = anyio.CapacityLimiter(concurrency)

    async def lane_worker(lane: Sequence[int]) -> None:
        async with limiter:
            for index in lane:
                flow = flow_of(index)
                if flow is None:
                    finish(index, None)
                    continue
                try:
                    outcome: Any = await runner.arun(flow)
                except CaasError as error:
                    outcome = error
                finish(index, outcome)

    try:
        async with anyio.create_task_group() as group:
            for lane in lanes:
                group.start_soon(lane_worker, lane)
    except BaseExceptionGroup as group_error:  # one failure cancels the others: raise that one
        if len(group_error.exceptions) == 1:
            raise group_error.exceptions[0] from None
        raise

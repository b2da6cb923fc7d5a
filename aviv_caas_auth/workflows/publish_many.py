"""Publish many classifieds at once: one outcome per input, in input order.

    outcomes = publish_many.sync(client, classifieds, concurrency=8)
    outcomes = await publish_many.asyncio(client, classifieds, concurrency=8, progress=print)
    for classified, outcome in zip(classifieds, outcomes):
        if isinstance(outcome, CaasError): ...          # that item's typed error
        else: outcome.classified_id, outcome.action     # a PublishResult

Each item is a :mod:`~aviv_caas_auth.workflows.publish` (create or update by offererEstateId,
then, with ``wait``, its final status). Its outcome is its ``PublishResult`` or its typed error (a
``CaasError``: ``ValidationError``, ``ClassifiedProcessingError``, ``StatusTimeoutError``,
``InvalidClassifiedError``, ``MediaProcessingError`` with ``media_errors="raise"``, ...): one
item failing never stops the others. Anything else (a bug,
a cancellation) ends the batch and is raised.

- At most ``concurrency`` items are in flight (threads for ``sync``, tasks for ``asyncio``).
- Items with the same offererEstateId are published one after the other, in input order (the
  last one wins), never concurrently.
- A 429 slows the whole batch: every call of the batch waits for the ``Retry-After`` of the
  latest 429 (a shared gate, see :mod:`~aviv_caas_auth.workflows.effects`), including the 429s
  the transport retries by itself.
- ``rate_budget`` (:mod:`aviv_caas_auth.budget`): every call of the batch spends it instead of
  the client's own (``create_client(rate_budget=...)``), so batches in other processes sharing it
  (``RedisRateBudget``) keep to AVIV's rate together; a 429 pauses all of them. A call that finds
  no room within the budget's ``max_wait`` ends its item with ``RateBudgetTimeoutError`` (unsent).
- ``progress(Progress(index, done, total, outcome))`` is called as each item ends (from the worker
  thread in ``sync``, in the event loop in ``asyncio``: keep it quick). An exception it raises is
  logged and the batch goes on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, overload

from aviv_caas_auth.errors import CaasError
from aviv_caas_auth.workflows import batch as lanes_driver
from aviv_caas_auth.workflows.effects import Runner
from aviv_caas_auth.workflows.media import MediaErrors
from aviv_caas_auth.workflows.polling import PollPolicy
from aviv_caas_auth.workflows.publish import MAX_WRITES, Prepared, PublishResult, prepare, start
from aviv_caas_auth.workflows.wait_for_status import DEFAULT_TIMEOUT

if TYPE_CHECKING:
    import aviv_caas_client.models as v3
    import aviv_caas_client_v4.models as v4
    from aviv_caas_auth.apis import ClientV3, ClientV4
    from aviv_caas_auth.budget.protocol import RateBudget
    from aviv_caas_auth.workflows.publish import AvivClassified

    OutcomeV3 = PublishResult[v3.ClassifiedStatusInternal] | CaasError
    OutcomeV4 = PublishResult[v4.ClassifiedStatusInternal] | CaasError
    # with wait=False (or a bool): a result's status may be None
    UnwaitedV3 = PublishResult[v3.ClassifiedStatusInternal | None] | CaasError
    UnwaitedV4 = PublishResult[v4.ClassifiedStatusInternal | None] | CaasError

Outcome = PublishResult[Any] | CaasError
"""What one item came to: its result, or its typed error."""


@dataclass(frozen=True)
class Progress:
    """One item ended: which (``index`` in the input), how many are done of ``total``, and how."""

    index: int
    done: int
    total: int
    outcome: Outcome


class _Batch:
    """The shared state of one batch: inputs grouped in lanes, outcomes, progress. Thread-safe."""

    def __init__(
        self,
        runner: Runner,
        classifieds: Iterable[AvivClassified | Mapping[str, Any]],
        concurrency: int,
        progress: Callable[[Progress], object] | None,
        **options: Any,
    ) -> None:
        self.runner = runner
        self.concurrency = lanes_driver.check_concurrency(concurrency)
        self.options = options  # wait, timeout, max_writes, media_errors: publish.start's
        self.progress = progress
        items = list(classifieds)
        self.outcomes: list[Outcome | None] = [None] * len(items)
        self.prepared: list[Prepared | None] = [None] * len(items)
        lanes: dict[str, list[int]] = {}
        self.lanes: list[list[int]] = []
        for index, classified in enumerate(items):
            try:
                prepared = prepare(runner.endpoints, classified)
            except CaasError as error:
                self.outcomes[index] = error
                self.lanes.append([index])
                continue
            self.prepared[index] = prepared
            lane = lanes.get(prepared.offerer_estate_id)
            if lane is None:
                lane = lanes[prepared.offerer_estate_id] = []
                self.lanes.append(lane)
            lane.append(index)
        start(runner, Prepared(None, "-"), **self.options)  # checks the options before anything is sent
        self._done = 0
        self._lock = threading.Lock()

    def flow(self, index: int) -> Any:
        """The publish flow of item ``index`` (None when it already has its outcome)."""
        prepared = self.prepared[index]
        return None if prepared is None else start(self.runner, prepared, **self.options)

    def finish(self, index: int, outcome: Outcome | None = None) -> None:
        """Record the outcome of item ``index`` (already recorded when None) and report progress."""
        with self._lock:
            if outcome is not None:
                self.outcomes[index] = outcome
            self._done += 1
            outcome = self.outcomes[index]
            assert outcome is not None
            report = Progress(index, self._done, len(self.outcomes), outcome)
        lanes_driver.report_progress(self.progress, report, f"publish_many (item {index})")

    def results(self) -> list[Outcome]:
        """Every outcome, in input order."""
        return [outcome for outcome in self.outcomes if outcome is not None]


@overload
def sync(
    client: ClientV3,
    classifieds: Iterable[v3.AvivClassified | Mapping[str, Any]],
    *,
    concurrency: int = ...,
    wait: Literal[True] = ...,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    max_writes: int = ...,
    media_errors: MediaErrors = ...,
    progress: Callable[[Progress], object] | None = ...,
    rate_budget: RateBudget | None = ...,
) -> list[OutcomeV3]: ...


@overload
def sync(
    client: ClientV3,
    classifieds: Iterable[v3.AvivClassified | Mapping[str, Any]],
    *,
    concurrency: int = ...,
    wait: bool,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    max_writes: int = ...,
    media_errors: MediaErrors = ...,
    progress: Callable[[Progress], object] | None = ...,
    rate_budget: RateBudget | None = ...,
) -> list[UnwaitedV3]: ...


@overload
def sync(
    client: ClientV4,
    classifieds: Iterable[v4.AvivClassified | Mapping[str, Any]],
    *,
    concurrency: int = ...,
    wait: Literal[True] = ...,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    max_writes: int = ...,
    media_errors: MediaErrors = ...,
    progress: Callable[[Progress], object] | None = ...,
    rate_budget: RateBudget | None = ...,
) -> list[OutcomeV4]: ...


@overload
def sync(
    client: ClientV4,
    classifieds: Iterable[v4.AvivClassified | Mapping[str, Any]],
    *,
    concurrency: int = ...,
    wait: bool,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    max_writes: int = ...,
    media_errors: MediaErrors = ...,
    progress: Callable[[Progress], object] | None = ...,
    rate_budget: RateBudget | None = ...,
) -> list[UnwaitedV4]: ...


def sync(
    client: Any,
    classifieds: Iterable[AvivClassified | Mapping[str, Any]],
    *,
    concurrency: int = 8,
    wait: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    poll: PollPolicy | None = None,
    max_writes: int = MAX_WRITES,
    media_errors: MediaErrors = "warn",
    progress: Callable[[Progress], object] | None = None,
    rate_budget: RateBudget | None = None,
) -> list[Outcome]:
    """Publish every classified, ``concurrency`` at a time in threads; one outcome per input, in order."""
    batch = _Batch(
        Runner(client, poll=poll, budget=rate_budget),
        classifieds,
        concurrency,
        progress,
        wait=wait,
        timeout=timeout,
        max_writes=max_writes,
        media_errors=media_errors,
    )

    lanes_driver.run(batch.runner, batch.lanes, batch.flow, batch.finish, concurrency)
    return batch.results()


@overload
async def asyncio(
    client: ClientV3,
    classifieds: Iterable[v3.AvivClassified | Mapping[str, Any]],
    *,
    concurrency: int = ...,
    wait: Literal[True] = ...,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    max_writes: int = ...,
    media_errors: MediaErrors = ...,
    progress: Callable[[Progress], object] | None = ...,
    rate_budget: RateBudget | None = ...,
) -> list[OutcomeV3]: ...


@overload
async def asyncio(
    client: ClientV3,
    classifieds: Iterable[v3.AvivClassified | Mapping[str, Any]],
    *,
    concurrency: int = ...,
    wait: bool,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    max_writes: int = ...,
    media_errors: MediaErrors = ...,
    progress: Callable[[Progress], object] | None = ...,
    rate_budget: RateBudget | None = ...,
) -> list[UnwaitedV3]: ...


@overload
async def asyncio(
    client: ClientV4,
    classifieds: Iterable[v4.AvivClassified | Mapping[str, Any]],
    *,
    concurrency: int = ...,
    wait: Literal[True] = ...,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    max_writes: int = ...,
    media_errors: MediaErrors = ...,
    progress: Callable[[Progress], object] | None = ...,
    rate_budget: RateBudget | None = ...,
) -> list[OutcomeV4]: ...


@overload
async def asyncio(
    client: ClientV4,
    classifieds: Iterable[v4.AvivClassified | Mapping[str, Any]],
    *,
    concurrency: int = ...,
    wait: bool,
    timeout: float = ...,
    poll: PollPolicy | None = ...,
    max_writes: int = ...,
    media_errors: MediaErrors = ...,
    progress: Callable[[Progress], object] | None = ...,
    rate_budget: RateBudget | None = ...,
) -> list[UnwaitedV4]: ...


async def asyncio(
    client: Any,
    classifieds: Iterable[AvivClassified | Mapping[str, Any]],
    *,
    concurrency: int = 8,
    wait: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    poll: PollPolicy | None = None,
    max_writes: int = MAX_WRITES,
    media_errors: MediaErrors = "warn",
    progress: Callable[[Progress], object] | None = None,
    rate_budget: RateBudget | None = None,
) -> list[Outcome]:
    """Async :func:`sync`: ``concurrency`` tasks at a time (asyncio or trio, through anyio)."""
    batch = _Batch(
        Runner(client, poll=poll, budget=rate_budget),
        classifieds,
        concurrency,
        progress,
        wait=wait,
        timeout=timeout,
        max_writes=max_writes,
        media_errors=media_errors,
    )
    await lanes_driver.arun(batch.runner, batch.lanes, batch.flow, batch.finish, concurrency)
    return batch.results()

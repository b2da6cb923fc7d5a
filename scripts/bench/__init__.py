"""``make bench``: figures for issue 7, each with its baseline measured in the same run.

Run ``python -m scripts.bench`` (``--quick`` for a smoke run, ``--list`` for the rows).

Adding a benchmark: in a module of this package, decorate a function taking a
:class:`~scripts.bench.registry.BenchContext` and yielding
:class:`~scripts.bench.registry.Figure` s with
``@benchmark("name", rows=(...))`` (every declared row must be yielded), raise
:class:`~scripts.bench.registry.BenchSkipped` when it cannot run here, and list the module in
``BENCH_MODULES`` (``scripts/bench/__main__.py``). Per-call rows reuse
``fixtures.mock_transport`` and ``timing.per_call`` / ``timing.per_call_async`` (whose
``Timings`` give medians and paired ratios); a client measured against raw httpx uses
``calls.against_raw_request`` and ``calls.overhead_figure``. ``services`` starts what the auth
rows talk to: a slow loopback token endpoint and a throwaway redis-server.
"""

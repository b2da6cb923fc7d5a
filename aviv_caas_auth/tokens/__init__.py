"""Tokens: AVIV's client-credentials token, how long to trust it, and who fetches the next one.

Read in this order: ``token`` (the token and its cache key), ``policy`` (proactive and mandatory
refresh windows), ``endpoint`` (the token request and the parsing of its answer, no I/O),
``flight`` (one refresh in flight per key, shared by threads and coroutines), ``provider``
(the sync and async drivers of the refresh logic).
"""

"""Stores: where a cached token lives, so that processes and hosts reuse one token per key.

``base`` (the ``TokenStore`` protocol and the process-wide memory store), ``record`` (the JSON
record both persistent stores write), ``file_store`` (one host) and ``redis_store`` (several
hosts, needs the ``redis`` extra). The persistent stores are imported on first use.
"""

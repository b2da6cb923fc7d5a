"""HTTP: what every request from ``create_client`` goes through.

``auth`` (the httpx auth flow: bearer token, 401 handling), ``transport`` (retries and typed
transport errors, under the generated client), ``retry`` and ``retry_after`` (the retry policy),
``traceparent`` (W3C trace context), ``user_agent`` (AVIV's firewall form), ``security`` (no
secret over plain http), ``raw_headers`` and ``redaction`` (helpers).
"""

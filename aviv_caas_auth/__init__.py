"""aviv_caas_auth: the hand-written, token-caching factory for the generated AVIV CaaS client."""

__version__ = "0.1.0"

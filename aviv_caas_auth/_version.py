"""The library's version (also sent in the completed User-Agent)."""

__version__ = "0.1.0"

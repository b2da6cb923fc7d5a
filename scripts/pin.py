"""The pinned upstream spec: its identity (version, sha256) and where to read it from."""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from scripts.paths import PIN_FILE, REPO_ROOT

SPEC_ENV_VAR = "CAAS_SPEC"


class SpecPinError(Exception):
    """The spec document is missing or is not the pinned one."""


@dataclass(frozen=True)
class SpecPin:
    """AVIV's document as pinned in openapi/pin.toml."""

    title: str
    version: str
    sha256: str
    default_path: str
    source: str

    @classmethod
    def load(cls, pin_file: Path = PIN_FILE) -> SpecPin:
        """Read the pin file."""
        spec = tomllib.loads(pin_file.read_text(encoding="utf-8"))["spec"]
        return cls(
            title=spec["title"],
            version=spec["version"],
            sha256=spec["sha256"].lower(),
            default_path=spec["default_path"],
            source=spec["source"],
        )

    def location(self, environ: Mapping[str, str] = os.environ) -> tuple[Path, str]:
        """Where the document is expected, and which setting said so."""
        if environ.get(SPEC_ENV_VAR):
            return Path(environ[SPEC_ENV_VAR]).expanduser().resolve(), f"{SPEC_ENV_VAR}"
        return (REPO_ROOT / self.default_path).resolve(), f"the default ({SPEC_ENV_VAR} is not set)"

    def read_verified(self, environ: Mapping[str, str] = os.environ) -> tuple[Path, bytes]:
        """Return the document's path and bytes, or raise SpecPinError saying how to fix it."""
        path, origin = self.location(environ)
        expected = f"expected: {self.title} version {self.version}, sha256 {self.sha256}"
        how_to_point = (
            f"fix: point {SPEC_ENV_VAR} at AVIV's document, e.g. "
            f"`make install {SPEC_ENV_VAR}=/path/to/aviv-classified-api-v{self.version}.json` "
            f"(or `export {SPEC_ENV_VAR}=...`)"
        )
        if not path.is_file():
            raise SpecPinError(
                f"AVIV's OpenAPI document was not found at {path} (location from {origin}).\n"
                f"{expected}\n{how_to_point}"
            )
        data = path.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != self.sha256:
            raise SpecPinError(
                f"The OpenAPI document at {path} (location from {origin}) is not the pinned one: "
                f"its sha256 is {actual}.\n{expected}\n{how_to_point}\n"
                "If AVIV published a new version on purpose: update version and sha256 in "
                "openapi/pin.toml, run `make generate` and read the diff of generated/."
            )
        return path, data

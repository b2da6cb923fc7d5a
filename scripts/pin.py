"""The pinned upstream spec of one API version: its identity (version, sha256) and where to read it.

The document is read from the first set of its environment variables (``CAAS_SPEC_V3``, and for
the default version also ``CAAS_SPEC``), else from the pin's ``default_path`` (relative to the
repository root). It must have the pinned sha256, and its ``info`` must name the pinned title and
version: a pin cannot claim a version its document does not have.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit

from scripts.paths import DEFAULT_API, REPO_ROOT, ApiPaths

SPEC_ENV_VAR = "CAAS_SPEC"


class SpecPinError(Exception):
    """The spec document is missing or is not the pinned one."""


def spec_env_vars(api: str) -> tuple[str, ...]:
    """The environment variables that locate ``api``'s document, the first set one winning."""
    own = f"{SPEC_ENV_VAR}_{api.upper()}"
    return (own, SPEC_ENV_VAR) if api == DEFAULT_API else (own,)


def relative_to_repo(path: Path) -> str:
    """``path`` as a pin's ``default_path``: repository-relative beside it (``../shared/``), else absolute."""
    path = path.resolve()
    relative = Path(os.path.relpath(path, REPO_ROOT))
    return relative.as_posix() if relative.parts[:2] != ("..", "..") else str(path)


def document_info(data: bytes, where: Path) -> Mapping[str, Any]:
    """The ``info`` object of an OpenAPI document's bytes (SpecPinError when there is none)."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise SpecPinError(f"{where} is not a JSON document: {error}") from error
    info = document.get("info") if isinstance(document, dict) else None
    if not isinstance(info, dict) or not isinstance(info.get("version"), str):
        raise SpecPinError(f"{where} has no `info.version`: it is not an OpenAPI document")
    return info


@dataclass(frozen=True)
class SpecPin:
    """AVIV's document for one API version, as pinned in ``openapi/<api>/pin.toml``."""

    api: str
    title: str
    version: str
    sha256: str
    default_path: str
    source: str

    @classmethod
    def load(cls, api: str = DEFAULT_API) -> SpecPin:
        """Read the pin file of ``api``."""
        spec = tomllib.loads(ApiPaths(api).pin_file.read_text(encoding="utf-8"))["spec"]
        return cls(
            api=api,
            title=spec["title"],
            version=spec["version"],
            sha256=spec["sha256"].lower(),
            default_path=spec["default_path"],
            source=spec["source"],
        )

    @property
    def pin_file(self) -> Path:
        """``openapi/<api>/pin.toml``."""
        return ApiPaths(self.api).pin_file

    @property
    def pin_name(self) -> str:
        """The pin file, relative to the repository root (for messages)."""
        return self.pin_file.relative_to(REPO_ROOT).as_posix()

    @property
    def env_var(self) -> str:
        """The main environment (and make) variable naming the document's location."""
        return spec_env_vars(self.api)[-1]

    def location(self, environ: Mapping[str, str] = os.environ) -> tuple[Path, str]:
        """Where the document is expected, and which setting said so."""
        for name in spec_env_vars(self.api):
            if environ.get(name):
                return Path(environ[name]).expanduser().resolve(), name
        names = spec_env_vars(self.api)
        unset = f"neither {' nor '.join(names)} is set" if len(names) > 1 else f"{names[0]} is not set"
        return (REPO_ROOT / self.default_path).resolve(), f"the default ({unset})"

    def read_verified(self, environ: Mapping[str, str] = os.environ) -> tuple[Path, bytes]:
        """Return the document's path and bytes, or raise SpecPinError saying how to fix it."""
        path, origin = self.location(environ)
        expected = f"expected: {self.title} version {self.version}, sha256 {self.sha256}"
        how_to_point = (
            f"fix: point {self.env_var} at AVIV's document, e.g. "
            f"`make install {self.env_var}=/path/to/aviv-classified-api-v{self.version}.json` "
            f"(or `export {self.env_var}=...`)"
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
                f"If AVIV published a new version on purpose: `make update-spec {self.env_var}={path}` "
                f"re-pins {self.pin_name} from it, reports what changed and regenerates."
            )
        info = document_info(data, path)
        if (info.get("version"), info.get("title")) != (self.version, self.title):
            raise SpecPinError(
                f"{self.pin_name} pins {self.title} version {self.version}, but the document it names "
                f"({path}, sha256 verified) is {info.get('title')} version {info.get('version')}: a pin "
                "must name its document's own `info.title` and `info.version`.\n"
                f"fix: `make update-spec {self.env_var}={path}` re-pins from the document; or correct "
                f"`version`/`title` in {self.pin_name}."
            )
        return path, data

    def repinned(self, document: Path, data: bytes) -> SpecPin:
        """The pin moved to ``document`` (its bytes ``data``): version and title from its ``info``."""
        info = document_info(data, document)
        return SpecPin(
            api=self.api,
            title=str(info.get("title", self.title)),
            version=str(info["version"]),
            sha256=hashlib.sha256(data).hexdigest(),
            default_path=relative_to_repo(document),
            source=self.source,
        )

    def write(self) -> None:
        """Write this pin to its file, keeping the file's comments and layout (atomically)."""
        text = self.pin_file.read_text(encoding="utf-8")
        toml = tomlkit.parse(text)
        table = toml["spec"]
        for key in ("title", "version", "sha256", "default_path"):
            table[key] = getattr(self, key)
        fd, tmp = tempfile.mkstemp(dir=self.pin_file.parent, prefix=".pin.toml.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(tomlkit.dumps(toml))
            os.replace(tmp, self.pin_file)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

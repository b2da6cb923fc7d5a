"""The pinned upstream spec of one API version: its identity (version, sha256) and where to read it.

The document is read from its one environment (and make) variable, ``CAAS_SPEC`` for v3 (the
default version) and ``CAAS_SPEC_<API>`` for the others (``CAAS_SPEC_V4``), else from the pin's
``default_path`` (relative to the repository root). ``CAAS_SPEC_V3`` is not a second name for v3's:
set, it is refused, saying to use ``CAAS_SPEC``. The document must have the pinned sha256, and its
``info`` must name the pinned title and version: a pin cannot claim a version its document does not
have; a document of another API version (a v4 document named by ``CAAS_SPEC``) is said to be one.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit

from scripts.limits import DocumentLimitError, load_bounded
from scripts.paths import DEFAULT_API, REPO_ROOT, ApiPaths

SPEC_ENV_VAR = "CAAS_SPEC"


class SpecPinError(Exception):
    """The spec document is missing or is not the pinned one."""


def spec_env_var(api: str) -> str:
    """The one environment (and make) variable locating ``api``'s document: CAAS_SPEC, CAAS_SPEC_V4..."""
    return SPEC_ENV_VAR if api == DEFAULT_API else f"{SPEC_ENV_VAR}_{api.upper()}"


NOT_A_SETTING = f"{SPEC_ENV_VAR}_{DEFAULT_API.upper()}"
"""``CAAS_SPEC_V3``: what v3's variable would be named by the others' rule, but it is ``CAAS_SPEC``."""


def relative_to_repo(path: Path, root: Path = REPO_ROOT) -> str:
    """``path`` as a pin's ``default_path``: relative to ``root`` inside it or beside it, else absolute.

    Beside the checkout is one level up (``../shared/openapi/...``), where a clean clone in CI
    finds it too. Symbolic links are kept as written (``../shared`` may be one), so long as the
    relative path still names the same file.
    """
    written = Path(os.path.abspath(path))
    for candidate in (written, written.resolve()):
        relative = Path(os.path.relpath(candidate, root))
        if relative.parts[:2] != ("..", "..") and (root / relative).resolve() == written.resolve():
            return relative.as_posix()
    return str(written.resolve())


def _not_a_string(data: bytes, value: object) -> str:
    """What ``info.version`` is when it is not a string, numbers as written (``3.10``, not 3.1)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        written = json.loads(data, parse_float=str, parse_int=str)["info"]["version"]
        return f"the number {written}"
    return "an array" if isinstance(value, list) else "an object"


def document_info(data: bytes, where: Path) -> Mapping[str, Any]:
    """The ``info`` object of an OpenAPI document's bytes (SpecPinError when there is none).

    SpecPinError too when the document exceeds :mod:`scripts.limits` (size, nesting, string length).
    """
    try:
        document = load_bounded(data, where)
    except DocumentLimitError as error:
        raise SpecPinError(str(error)) from error
    except (ValueError, UnicodeDecodeError) as error:
        raise SpecPinError(f"{where} is not a JSON document: {error}") from error
    info = document.get("info") if isinstance(document, dict) else None
    if not isinstance(info, dict) or "version" not in info:
        raise SpecPinError(f"{where} has no `info.version`: it is not an OpenAPI document")
    version = info["version"]
    if not isinstance(version, str):
        got = _not_a_string(data, version)
        quoted = (
            json.dumps(got.removeprefix("the number ")) if isinstance(version, int | float) else '"3.1.4"'
        )
        raise SpecPinError(
            f"{where}: info.version must be a string, got {got} (OpenAPI requires a string: write "
            f'`"version": {quoted}`)'
        )
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
        """Read the pin file of ``api`` (SpecPinError saying how to restore it when it is broken)."""
        pin_file = ApiPaths(api).pin_file
        try:
            spec = tomllib.loads(pin_file.read_text(encoding="utf-8"))["spec"]
            fields = {key: spec[key] for key in ("title", "version", "sha256", "default_path", "source")}
            if not all(isinstance(value, str) for value in fields.values()):
                raise TypeError("title, version, sha256, default_path and source must be strings")
        except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as error:
            name = pin_file.relative_to(REPO_ROOT).as_posix()
            what = f"no {error}" if isinstance(error, KeyError) else str(error)
            raise SpecPinError(
                f"{name} cannot be read ({what}).\nfix: restore it (`git checkout -- {name}`); it needs a "
                "[spec] table with title, version, sha256, default_path and source."
            ) from error
        return cls(api=api, **{**fields, "sha256": fields["sha256"].lower()})

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
        """The environment (and make) variable naming the document's location."""
        return spec_env_var(self.api)

    def location(self, environ: Mapping[str, str] = os.environ) -> tuple[Path, str]:
        """Where the document is expected, and which setting said so (SpecPinError for CAAS_SPEC_V3)."""
        if self.api == DEFAULT_API and environ.get(NOT_A_SETTING):
            raise SpecPinError(
                f"{NOT_A_SETTING} is set, but {self.api}'s document is named by {self.env_var} (one "
                f"variable per version: {self.env_var} for {self.api}, {SPEC_ENV_VAR}_V4 for v4).\n"
                f"fix: `make install {self.env_var}={environ[NOT_A_SETTING]}` (or `export "
                f"{self.env_var}=...`), and unset {NOT_A_SETTING}."
            )
        if environ.get(self.env_var):
            return Path(os.path.abspath(Path(environ[self.env_var]).expanduser())), self.env_var
        default = Path(os.path.abspath(REPO_ROOT / self.default_path))
        return default, f"the default, {self.pin_name}'s default_path ({self.env_var} is not set)"

    def update_command(self, document: Path | str, *, same_version: bool = False) -> str:
        """The ``make update-spec`` command that re-pins this version from ``document``.

        ``same_version``: the document claims the pinned version but has another sha256, which
        update-spec only accepts when told (``ALLOW_SAME_VERSION=1``).
        """
        version = "" if self.api == DEFAULT_API else f"API={self.api} "
        allow = " ALLOW_SAME_VERSION=1" if same_version else ""
        return f"make update-spec {version}{SPEC_ENV_VAR}={document}{allow}"

    def read_matching(self, environ: Mapping[str, str] = os.environ) -> tuple[Path, bytes]:
        """The path and bytes of the document if its sha256 is the pinned one, else SpecPinError."""
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
                f"{expected}\n{how_to_point}\n"
                f"To adopt another document instead: `{self.update_command('/path/to/new.json')}` "
                f"re-pins {self.pin_name} from it, reports what changed and regenerates."
            )
        data = path.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != self.sha256:
            try:
                claimed: object = document_info(data, path).get("version")
            except SpecPinError:
                claimed = None
            other = self._other_version(claimed)
            if other is not None:
                raise SpecPinError(self._another_version_message(path, origin, str(claimed), other, actual))
            same = claimed == self.version
            why = (
                f"It says it is version {self.version}, the pinned version: either AVIV changed the "
                f"document without bumping its version, or {self.pin_name}'s sha256 is wrong.\n"
                if same
                else ""
            )
            raise SpecPinError(
                f"The OpenAPI document at {path} (location from {origin}) is not the pinned one: "
                f"its sha256 is {actual}.\n{expected}\n{how_to_point}\n{why}"
                f"To adopt it on purpose: `{self.update_command(path, same_version=same)}` "
                f"re-pins {self.pin_name} from it, reports what changed and regenerates."
            )
        return path, data

    def _other_version(self, claimed: object) -> str | None:
        """The other API version a document of ``info.version`` ``claimed`` belongs to (v4 for 4.0.2)."""
        if not isinstance(claimed, str):
            return None
        major = claimed.split(".")[0]
        if major == self.api.removeprefix("v") or not major.isdigit():
            return None
        api = f"v{major}"
        return api if ApiPaths(api).pin_file.is_file() else None

    def _another_version_message(self, path: Path, origin: str, claimed: str, api: str, sha256: str) -> str:
        """What to say when ``self``'s variable names a document of API version ``api``."""
        other = SpecPin.load(api)
        named = "the default" if origin.startswith("the default") else origin
        adopt = (
            f"it is {api}'s pinned document"
            if sha256 == other.sha256
            else f"to adopt it as {api}'s new version: `{other.update_command(path)}`"
        )
        return (
            f"The OpenAPI document at {path} (location from {origin}) is version {claimed}: a {api} "
            f"document, not {self.api}'s. {named} names {self.api}'s document; {api}'s is named by "
            f"{other.env_var}.\n"
            f"fix: `make install {other.env_var}={path}` (with {self.env_var} naming {self.api}'s document, "
            f"{self.title} {self.version}, or unset for {self.default_path}); {adopt}."
        )

    def read_verified(self, environ: Mapping[str, str] = os.environ) -> tuple[Path, bytes]:
        """Return the document's path and bytes, or raise SpecPinError saying how to fix it."""
        path, data = self.read_matching(environ)
        info = document_info(data, path)
        if (info.get("version"), info.get("title")) != (self.version, self.title):
            raise SpecPinError(
                f"{self.pin_name} pins {self.title} version {self.version}, but the document it names "
                f"({path}, sha256 verified) is {info.get('title')} version {info.get('version')}: a pin "
                "must name its document's own `info.title` and `info.version`.\n"
                f"fix: `{self.update_command(path)}` re-pins from the document; or correct "
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
            os.chmod(tmp, stat.S_IMODE(self.pin_file.stat().st_mode))  # mkstemp's 0600 is not the file's mode
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(tomlkit.dumps(toml))
            os.replace(tmp, self.pin_file)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def portability_warning(self, usual_dir: str) -> str | None:
        """Why CI and other machines may not find the document at ``default_path``, and what to do.

        None when they will find it.

        ``usual_dir`` is where the pinned documents live beside the checkout (``../shared/openapi``).
        """
        path = Path(self.default_path)
        there = f"{usual_dir}/{path.name}"
        fix = (
            f"put the document beside the checkout, at {there} like the other pinned documents, and run "
            f"`{self.update_command(there)}` (it only moves the pin); or set {self.env_var} to the "
            "document's location in CI and on every machine"
        )
        if path.is_absolute():
            return (
                f"the document is outside the checkout, so the pin names it by its absolute path {path}: "
                f"CI and other machines will not find it there.\nfix: {fix}."
            )
        if path.parts[0] != "..":
            return (
                f"the document is inside the checkout ({path}): it must never be committed, so CI and "
                f"other clones will not have it.\nfix: {fix}."
            )
        if path.parent.as_posix() != usual_dir:
            return (
                f"the document is in {path.parent.as_posix()}/, not in {usual_dir}/ where the pinned "
                f"documents live: CI and other machines will look for it at {path}.\nfix: copy it there "
                f"on each of them, or {fix}."
            )
        return None


def usual_document_dir(pins: Iterable[SpecPin], default: str = "../shared/openapi") -> str:
    """Where pinned documents live beside the checkout: the folder of the first pin whose document is there.

    (A pin that names a missing document only counts when none names an existing one.)
    """
    beside = [
        Path(pin.default_path)
        for pin in pins
        if not Path(pin.default_path).is_absolute()
        and Path(pin.default_path).parts[:1] == ("..",)
        and ".." not in Path(pin.default_path).parts[1:]
    ]
    found = [path for path in beside if (REPO_ROOT / path).is_file()] or beside
    return found[0].parent.as_posix() if found else default

"""The command that installs an extra (``sandbox``, ``validation``, ``redis``) into this installation.

aviv-caas is not on PyPI, so ``pip install 'aviv-caas[sandbox]'`` finds nothing. pip records where
it installed a package from (PEP 610's ``direct_url.json``): a checkout (editable or not), a wheel
or sdist file, a git URL at a commit. :func:`install_command` gives the command that installs the
extra from that same place; when pip recorded none (an index of your own, a vendored copy), the
forms that work from a checkout or a wheel. Every "missing extra" message of aviv-caas uses it.
"""

from __future__ import annotations

DISTRIBUTION = "aviv-caas"


def install_command(extra: str) -> str:
    """``pip install ...`` adding ``extra`` to this installation of aviv-caas (see the module docstring)."""
    recorded = _recorded_origin()
    if recorded is not None:
        return _command_for(recorded, extra)
    return (
        f"pip install '/path/to/aviv-caas[{extra}]' from a checkout, or pip install "
        f"'/path/to/aviv_caas-<version>-py3-none-any.whl[{extra}]' from a wheel built by `make dist` "
        "(aviv-caas is not on PyPI)"
    )


def _recorded_origin() -> dict[str, object] | None:
    """The ``direct_url.json`` pip wrote for aviv-caas, if any (imports kept out of the import path)."""
    import json
    from importlib import metadata

    try:
        text = metadata.distribution(DISTRIBUTION).read_text("direct_url.json")
        origin = json.loads(text) if text else None
    except (metadata.PackageNotFoundError, ValueError):
        return None
    return origin if isinstance(origin, dict) and isinstance(origin.get("url"), str) else None


def _command_for(origin: dict[str, object], extra: str) -> str:
    """The pip command for ``extra`` from where ``origin`` (a PEP 610 record) says aviv-caas came from."""
    from pathlib import Path
    from urllib.parse import urlsplit
    from urllib.request import url2pathname

    url = str(origin["url"])
    vcs = origin.get("vcs_info")
    if isinstance(vcs, dict):
        ref = vcs.get("commit_id") or vcs.get("requested_revision")
        at = f"@{ref}" if ref else ""
        return f"pip install '{DISTRIBUTION}[{extra}] @ {vcs.get('vcs', 'git')}+{url}{at}'"
    parts = urlsplit(url)
    if parts.scheme != "file":
        return f"pip install '{DISTRIBUTION}[{extra}] @ {url}'"
    path = Path(url2pathname(parts.path))
    directory = origin.get("dir_info")
    if isinstance(directory, dict):
        editable = "-e " if directory.get("editable") else ""
        return f"pip install {editable}'{path}[{extra}]'"
    if path.is_file():
        return f"pip install '{path}[{extra}]'"
    return (
        f"pip install '/path/to/{path.name}[{extra}]' (aviv-caas was installed from {path}, which is "
        "gone; aviv-caas is not on PyPI)"
    )

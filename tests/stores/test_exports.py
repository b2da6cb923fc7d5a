"""The stores are exported from aviv_caas_auth, but importing the package loads neither redis nor filelock."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.stores.processes import ROOT

PROBE = """
import json, sys
import aviv_caas_auth
before = sorted({m.split('.')[0] for m in sys.modules} & {'redis', 'filelock', 'platformdirs'})
from aviv_caas_auth import FileTokenStore, RedisTokenStore
after = sorted({m.split('.')[0] for m in sys.modules} & {'redis', 'filelock', 'platformdirs'})
print(json.dumps({"before": before, "after": after, "names": [FileTokenStore.__name__, RedisTokenStore.__name__]}))
"""


def test_importing_the_package_loads_no_store_backend() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    assert result["before"] == []
    assert result["after"] == ["filelock", "platformdirs", "redis"]
    assert result["names"] == ["FileTokenStore", "RedisTokenStore"]


def test_unknown_names_still_raise_attribute_error() -> None:
    import aviv_caas_auth

    with pytest.raises(AttributeError, match="NoSuchStore"):
        aviv_caas_auth.NoSuchStore  # type: ignore[attr-defined]  # noqa: B018

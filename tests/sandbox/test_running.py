"""Ways to run the sandbox: the context manager, the server CLI, the pytest plugin; and isolation."""

import ast
import re
import signal
import subprocess
import sys
import textwrap

import httpx
import pytest

from aviv_caas_auth.sandbox import ManualClock, Sandbox, SandboxError, SystemClock
from aviv_caas_auth.sandbox.exchanges import Exchange

from .conftest import UA, api, create, fetch_token, read_banner, run_pytest, start_cli


def test_context_manager_without_pytest_fixtures(checker):
    with Sandbox.start() as sb:
        assert isinstance(sb.clock, SystemClock)
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/sandbox/caas/v3", sb.base_url)
        assert sb.token_url == sb.url + "/oauth/token"
        with api(sb, fetch_token(sb)) as client:
            classified_id = create(client)
            sb.clock.advance(60)  # a real-time clock can be advanced too
            statuses = client.get(f"/classifieds/{classified_id}/statuses").json()["items"]
        assert statuses[-1]["status"] == "CREATED"
        assert sb.report().summary().startswith("1 token request for 2 API calls — compliant (strict")
        assert checker.check_all(sb.exchanges()) == []
        port = sb.port
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/_sandbox/report")


def test_loopback_only():
    with pytest.raises(SandboxError, match="loopback"):
        Sandbox(host="0.0.0.0")
    with pytest.raises(SandboxError, match="loopback"):
        Sandbox(host="192.168.1.10")


def test_ipv6_loopback():
    try:
        sandbox = Sandbox.start(host="::1", clock=ManualClock())
    except SandboxError as error:  # pragma: no cover - machines without IPv6
        pytest.skip(f"no IPv6 loopback here: {error}")
    with sandbox:
        assert sandbox.url.startswith("http://[::1]:")
        assert httpx.get(sandbox.admin_url + "/report").status_code == 200


def test_port_in_use_is_a_clear_error(caas_sandbox):
    assert httpx.get(caas_sandbox.admin_url + "/report").status_code == 200
    with pytest.raises(SandboxError, match=f"cannot listen on 127.0.0.1:{caas_sandbox.port}"):
        Sandbox(port=caas_sandbox.port)


def _exchange_of(response: httpx.Response, kind, operation_id=None) -> Exchange:
    headers = tuple((k.lower(), v) for k, v in response.headers.items())
    request = response.request
    return Exchange(
        request.method, request.url.path, kind, operation_id, response.status_code, headers, response.content
    )


def test_server_cli(checker):
    process = start_cli("--expires-in", "600", "--quiet")
    try:
        banner = read_banner(process)
        assert "Press Ctrl+C to stop." in banner, banner
        token_url = re.search(r"token URL:\s+(\S+)", banner).group(1)
        base_url = re.search(r"sandbox base URL:\s*(\S+)", banner).group(1)
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/oauth/token", token_url)
        assert "production base URL:" in banner
        client_id = re.search(r"client_id=(\S+)", banner).group(1)
        secret = re.search(r"client_secret=(\S+)", banner).group(1)
        intermediary = re.search(r"intermediary_id=(\S+)", banner).group(1)
        answer = httpx.post(
            token_url,
            json={
                "client_id": client_id,
                "client_secret": secret,
                "grant_type": "client_credentials",
                "audience": "https://api.aviv-group.com/sandbox/caas/v3",
                "intermediary_id": intermediary,
            },
        )
        assert answer.json()["expires_in"] == 600
        token = answer.json()["access_token"]
        listed = httpx.get(
            base_url + "/classifieds", headers={"Authorization": f"Bearer {token}", "User-Agent": UA}
        )
        assert listed.status_code == 200
        assert (
            checker.check_all([_exchange_of(answer, "token"), _exchange_of(listed, "api", "getClassifieds")])
            == []
        )
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "token-reuse report: 1 token request for 1 API call — compliant" in out


def test_server_cli_refuses_a_public_host():
    done = subprocess.run(
        [sys.executable, "-m", "aviv_caas_auth.sandbox", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "loopback" in done.stderr


HEAVY = ("werkzeug", "jsonschema", "jsonpatch", "referencing", "aviv_caas_auth.sandbox")


def modules_loaded_by(module: str) -> list[str]:
    """The sandbox's modules and third-party dependencies that ``import <module>`` loads, in a fresh python."""
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.startswith({HEAVY!r})))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return list(ast.literal_eval(done.stdout.strip()))


def test_importing_the_client_package_does_not_import_the_sandbox():
    assert modules_loaded_by("aviv_caas_auth") == []


def test_the_pytest_plugin_imports_nothing_of_the_sandbox_until_a_fixture_is_used():
    # pytest loads it in every run of every project that installed aviv-caas (entry point pytest11)
    loaded = modules_loaded_by("aviv_caas_auth.sandbox.pytest_plugin")
    assert loaded == ["aviv_caas_auth.sandbox", "aviv_caas_auth.sandbox.pytest_plugin"]


USER_TEST = textwrap.dedent(
    """
    import httpx

    def test_user_code(caas_sandbox):
        creds = caas_sandbox.credentials
        token = httpx.post(caas_sandbox.token_url, json={
            "client_id": creds.client_id, "client_secret": creds.client_secret,
            "grant_type": "client_credentials", "audience": caas_sandbox.audience,
            "intermediary_id": creds.intermediary_id,
        }).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "User-Agent": "UserCRM/2.0 pytest/9 linux/6"}
        assert httpx.get(caas_sandbox.base_url + "/classifieds", headers=headers).status_code == 200
        caas_sandbox.clock.advance(86400)
        assert httpx.get(caas_sandbox.base_url + "/classifieds", headers=headers).status_code == 401
        assert caas_sandbox.report().summary().startswith("1 token request for 2 API calls — compliant (strict")
    """
)


@pytest.mark.parametrize("explicit", [False, True])
def test_users_get_the_fixture_with_or_without_pytest_plugins(tmp_path, explicit):
    (tmp_path / "test_user.py").write_text(USER_TEST)
    if explicit:
        (tmp_path / "conftest.py").write_text('pytest_plugins = ["aviv_caas_auth.sandbox.pytest_plugin"]\n')
    done = run_pytest(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout

"""Tests of the server's security settings: localhost only, XSRF protection, upload limit."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request

import psutil
import pytest

from signlang import acquire, config

from conftest import open_page

SERVER_CONFIG = config.PROJECT_ROOT / ".streamlit" / "config.toml"
SERVER_START_TIMEOUT = 60


@pytest.fixture(scope="module")
def server_options() -> dict:
    with SERVER_CONFIG.open("rb") as file:
        return tomllib.load(file)["server"]


def test_server_config_listens_on_localhost(server_options):
    assert server_options["address"] == "127.0.0.1"


def test_server_config_keeps_xsrf_protection(server_options):
    assert server_options["enableXsrfProtection"] is True


def test_server_config_upload_limit_matches_app(server_options):
    assert server_options["maxUploadSize"] == 200
    assert server_options["maxUploadSize"] == config.MAX_UPLOAD_MB


def test_upload_check_limit_matches_server(server_options):
    assert acquire.MAX_UPLOAD_BYTES == server_options["maxUploadSize"] * 1024 * 1024


@pytest.fixture()
def empty_data_dir(tmp_path, monkeypatch, models_folder, clear_streamlit_caches):
    """An empty data folder for the app, with Streamlit caches cleared before and after."""
    folder = tmp_path / "empty-data"
    folder.mkdir()
    monkeypatch.setenv(config.DATA_DIR_ENV, str(folder))
    yield folder


def test_train_page_uploaders_use_limit(empty_data_dir):
    app = open_page("pages/train.py")
    limits = {uploader.key: uploader.proto.max_upload_size_mb for uploader in app.file_uploader}
    assert limits == {key: config.MAX_UPLOAD_MB for key in ("upload_train", "upload_test", "upload_archive")}


def free_local_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening_addresses(pid: int) -> set[str]:
    """IP addresses that the process and its children listen on with TCP."""
    processes = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    addresses = set()
    for process in processes:
        for connection in process.net_connections(kind="tcp"):
            if connection.status == psutil.CONN_LISTEN:
                addresses.add(connection.laddr.ip)
    return addresses


def test_server_listens_on_localhost_only(tmp_path):
    port = free_local_port()
    env = dict(os.environ, SIGNLANG_MODELS_DIR=str(tmp_path / "models"), SIGNLANG_DATA_DIR=str(tmp_path / "data"))
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
        cwd=config.PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        health = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                    health = response.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        assert health == "ok", f"server did not answer on 127.0.0.1:{port}"
        assert listening_addresses(server.pid) == {"127.0.0.1"}
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stderr.close()

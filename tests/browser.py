"""A real JupyterLab server and Debian's Chromium for the browser tests.

:class:`JupyterLab` runs ``jupyter lab`` from the venv as the README says, in the workbook
folder (so ``notebooks/`` and ``reports/`` are both inside what it serves), as a subprocess
on a free local port with a token and private config, settings and workspace folders (so
the user's JupyterLab setup plays no part; no news is fetched; the widget state is saved
with the notebook, as docs/game-day.md asks of a room with a second user), and stops it
through its API, else by its pid.
:func:`chromium` launches Debian's Chromium (:data:`CHROMIUM`) headless through Playwright;
nothing is downloaded (``playwright install`` is never needed).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
import requests

# Debian's headless shell where it is installed (.ci/run installs it): the same Blink as
# /usr/bin/chromium without the browser's own UI layers, as Playwright itself runs headless
# pages: the game-day browser test takes 33 CPU-s in it against 39 (measured twice each).
CHROMIUM = next(
    (
        path
        for path in (Path("/usr/bin/chromium-headless-shell"), Path("/usr/bin/chromium"))
        if path.exists()
    ),
    Path("/usr/bin/chromium"),
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def notebook_with_parameters(source: Path, target: Path, parameters: dict[str, Any]) -> Path:
    """Copy ``source`` to ``target`` with an ``injected-parameters`` cell after its
    ``parameters`` cell, as papermill does: the notebook's own defaults stay visible."""
    notebook = nbformat.read(source, as_version=4)
    index = next(
        i for i, cell in enumerate(notebook.cells) if "parameters" in cell.metadata.get("tags", [])
    )
    lines = [f"{name} = {value!r}" for name, value in parameters.items()]
    injected = nbformat.v4.new_code_cell(
        "\n".join(["# Parameters of the browser test", *lines]),
        metadata={"tags": ["injected-parameters"]},
    )
    notebook.cells.insert(index + 1, injected)
    nbformat.write(notebook, target)
    return target


class JupyterLab:
    """One ``jupyter lab`` subprocess serving ``root``; its files (log, config) in ``home``."""

    def __init__(self, root: Path, home: Path):
        self.root, self.home = root, home
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = home / "jupyterlab.log"
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}?token={self.token}"

    def api(self, path: str) -> Any:
        response = requests.get(self.url(f"api/{path}"), timeout=5)
        response.raise_for_status()
        return response.json()

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def start(self, timeout_s: float = 60.0) -> None:
        command = [
            str(VENV_BIN / "jupyter"),
            "lab",
            "--no-browser",
            f"--ServerApp.token={self.token}",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.ip=127.0.0.1",
        ]
        if os.geteuid() == 0:  # CI containers run as root
            command.append("--allow-root")
        # Never fetch Jupyter news (no network; no toast over the page).
        notification = self.home / "settings" / "@jupyterlab" / "apputils-extension"
        notification.mkdir(parents=True, exist_ok=True)
        (notification / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        widgets = self.home / "settings" / "@jupyter-widgets" / "jupyterlab-manager"
        widgets.mkdir(parents=True, exist_ok=True)
        (widgets / "plugin.jupyterlab-settings").write_text(json.dumps({"saveState": True}))
        env = {
            **os.environ,
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "JUPYTER_CONFIG_DIR": str(self.home / "config"),
            "JUPYTER_RUNTIME_DIR": str(self.home / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(self.home / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(self.home / "workspaces"),
        }
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout_s
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited early:\n{self.log_tail()}")
            try:
                self.api("status")
                return
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"jupyter lab did not answer within {timeout_s:.0f}s:\n{self.log_tail()}"
                    ) from None
                time.sleep(0.2)

    def wait_for_idle_kernels(self, timeout_s: float = 60.0) -> list[dict[str, Any]]:
        """Every running kernel idle (at least one running); the kernels' records."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                kernels = self.api("kernels")
            except requests.HTTPError:  # a kernel still starting can make the listing fail
                kernels = []
            if kernels and all(k["execution_state"] == "idle" for k in kernels):
                return kernels
            if time.monotonic() > deadline:
                raise TimeoutError(f"kernels not idle within {timeout_s:.0f}s: {kernels}")
            time.sleep(0.2)

    def wait_for_kernel_of(self, notebook: str, timeout_s: float = 60.0) -> dict[str, Any]:
        """The kernel of ``notebook``'s session, once it is started and idle."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                sessions = self.api("sessions")
            except requests.HTTPError:  # a kernel still starting can make the listing fail
                sessions = []
            kernel = next((s["kernel"] for s in sessions if s["path"] == notebook), None)
            if kernel and kernel["execution_state"] == "idle":
                return kernel
            if time.monotonic() > deadline:
                raise TimeoutError(f"no idle kernel for {notebook} within {timeout_s:.0f}s")
            time.sleep(0.2)

    def stop(self, timeout_s: float = 20.0) -> None:
        """Shut the server (and its kernels) down through its API; else by pid."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            requests.post(self.url("api/shutdown"), timeout=5)
            self.process.wait(timeout_s)
        except (requests.RequestException, subprocess.TimeoutExpired):
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout_s)


@contextmanager
def jupyterlab(root: Path, home: Path) -> Iterator[JupyterLab]:
    server = JupyterLab(root, home)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@contextmanager
def chromium(viewport: dict[str, int]) -> Iterator[Any]:
    """A Playwright page in headless Debian Chromium (sync API)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser.new_page(viewport=viewport)
        finally:
            browser.close()

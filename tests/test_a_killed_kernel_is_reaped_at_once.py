"""A notebook's kernel is killed and reaped as soon as it is gone: jupyter_client's own
kill looks for the death only every 0.1 s, a wait each drill paid twice (the game day's
kernel, the report's) for a kernel that takes milliseconds to die."""

from __future__ import annotations

import asyncio

from bookstore_resil.archive.notebooks import START_TIMEOUT_S, notebook_kernel


def test_leaving_a_kernel_kills_it_without_a_polling_wait(tmp_path, monkeypatch):
    waits: list[float] = []
    sleep = asyncio.sleep

    async def counted(delay: float, *args: object, **kwargs: object) -> object:
        waits.append(delay)
        return await sleep(delay, *args, **kwargs)

    with notebook_kernel(tmp_path) as kernel:
        client = kernel.blocking_client()
        client.start_channels()
        client.wait_for_ready(timeout=START_TIMEOUT_S)
        client.stop_channels()
        process = kernel.provisioner.process
        monkeypatch.setattr(asyncio, "sleep", counted)

    assert process.poll() is not None, "killed and reaped"
    # jupyter_client's 0.01 s pause after any shutdown stays; its 0.1 s polls are gone
    assert [delay for delay in waits if delay >= 0.1] == [], "no poll interval waited for"

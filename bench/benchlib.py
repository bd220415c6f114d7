"""Helpers shared by the benchmark scripts: machine description, load checks, a fake server in a child process.

The scripts import this module as `benchlib`, which works because `python bench/<name>.py` puts
`bench/` first on `sys.path`.
"""
from __future__ import annotations

import datetime
import multiprocessing
import os
import platform
import resource
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MAX_QUIET_LOAD = 1.5  # 1-minute load average above which timing numbers are remeasured


def machine() -> str:
    "Describe this machine: core count, CPU model, RAM and Python version."
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")),
                 platform.processor() or "unknown CPU")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    ram_kib = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    return (f"{os.cpu_count()} CPUs (nproc), {model}, {ram_kib / 2**20:.1f} GiB RAM, "
            f"Python {platform.python_version()}")


def load() -> str:
    "Return the 1, 5 and 15-minute load averages, as `uptime` prints them."
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def header(title: str) -> None:
    "Print the benchmark title, date, machine and current load."
    print(f"# {title}")
    print(f"date: {datetime.datetime.now().isoformat(timespec='seconds')}")
    print(f"machine: {machine()}")
    print(f"load average at start: {load()}")


def wait_for_quiet(limit: float = MAX_QUIET_LOAD, tries: int = 4, pause_s: float = 30.0) -> float:
    "Wait up to `tries` pauses for the 1-minute load average to fall to `limit`; return the last value."
    one_minute = os.getloadavg()[0]
    for _ in range(tries):
        if one_minute <= limit:
            break
        print(f"  load {one_minute:.2f} is above {limit}: waiting {pause_s:.0f} s")
        time.sleep(pause_s)
        one_minute = os.getloadavg()[0]
    return one_minute


def cpu_seconds() -> float:
    "Return the user plus system CPU time of this process so far, in seconds."
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _serve_fake(connection, kwargs: dict) -> None:
    "Run a FakeAnthropic in this child process and answer `count`, `cpu` and `stop` commands."
    from msm_nb.fake_anthropic import FakeAnthropic

    fake = FakeAnthropic(**kwargs).start()
    connection.send(fake.url)
    while True:
        command = connection.recv()
        if command == "count":
            connection.send(fake.message_count)
        elif command == "cpu":
            connection.send(cpu_seconds())
        elif command == "stop":
            fake.stop()
            connection.send(None)
            return


class FakeServerProcess:
    """A `FakeAnthropic` in a child process, so that its CPU time is not counted as the client's.

    Use it as a context manager; `url` is set once it has started. The child is started with
    `spawn`, so only picklable keyword arguments (such as `latency`) can be passed on.
    """

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.url: str | None = None
        context = multiprocessing.get_context("spawn")
        self._connection, child_end = context.Pipe()
        self._process = context.Process(target=_serve_fake, args=(child_end, kwargs), daemon=True)

    def __enter__(self) -> "FakeServerProcess":
        self._process.start()
        if not self._connection.poll(60):
            self._process.kill()
            raise RuntimeError("The fake Anthropic server process did not report its URL within 60 s.")
        self.url = self._connection.recv()
        return self

    def _ask(self, command: str):
        self._connection.send(command)
        return self._connection.recv()

    @property
    def message_count(self) -> int:
        "Return how many Messages requests the server answered with HTTP 200."
        return self._ask("count")

    def cpu_seconds(self) -> float:
        "Return the CPU time the server process has used so far, in seconds."
        return self._ask("cpu")

    def __exit__(self, *exc_info) -> None:
        try:
            self._ask("stop")
        finally:
            self._process.join(timeout=10)
            if self._process.is_alive():
                self._process.kill()

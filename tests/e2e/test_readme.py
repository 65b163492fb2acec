"""The README's commands, run in order as a newcomer would, against a fresh `make run`.

Every fenced ```sh block runs, unless the line before it is `<!-- readme: skip -->` (the `make`
lines themselves, GPU workers). The blocks run in one bash process, in order, so that a variable
an example sets (`$TOKEN`, `$JOB`) serves the later ones; a failing command fails the test and
names its block. The launch is fresh: its own SQLite database, artifacts folder and embedded
Redis, in a scratch copy of the checkout (symbolic links) so that `runs/` starts empty; and the
starter trains the first model that the README's checks are answered by.
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.services import FAST_JOB_SETTINGS
from tests.support.daphne import free_port
from tests.support.launcher import fresh_run_env

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^(<!-- readme: skip -->\n)?```(sh|bash)\n(.*?)^```", re.MULTILINE | re.DOTALL)
README_URL = "http://127.0.0.1:8000"
# Test harness only: curl fails the run on an HTTP error, and says what the server answered.
PREAMBLE = """set -euo pipefail
curl() { command curl --silent --show-error --fail-with-body "$@"; echo; }
"""


def readme_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, body) of every ```sh/```bash block not marked to skip, in order."""
    return [
        (text.count("\n", 0, match.start(3)) + 1, match.group(3))
        for match in FENCE.finditer(text)
        if not match.group(1)
    ]


def script(blocks: list[tuple[int, str]], url: str) -> str:
    parts = [PREAMBLE]
    for line, body in blocks:
        parts.append(
            f'echo "### README line {line}" >&2\nSECONDS=0\n{body.replace(README_URL, url)}'
            f'echo "### README line {line}: $SECONDS s" >&2\n'
        )
    return "\n".join(parts)


def test_blocks_are_found_in_order_and_skip_markers_are_honoured():
    text = "a\n```sh\necho one\n```\n<!-- readme: skip -->\n```sh\nmake run\n```\n```bash\necho two\n```\n"
    assert readme_blocks(text) == [(3, "echo one\n"), (10, "echo two\n")]


@pytest.fixture
def scratch(tmp_path):
    """A copy of the checkout made of symbolic links, without runs/, db.sqlite3 or artifacts/."""
    work = tmp_path / "toxilab"
    work.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in ("runs", "artifacts", "db.sqlite3", ".git", "var"):
            (work / entry.name).symlink_to(entry)
    return work


def launch(work: Path, env: dict, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "webapp.launcher"],
            cwd=work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 180
    while not ("ready." in log.read_text() and "ToxiLab is running" in log.read_text()):
        assert proc.poll() is None, f"make run stopped:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"make run did not start in 180 s:\n{log.read_text()[-3000:]}"
        time.sleep(0.5)
    return proc


@pytest.mark.slow
def test_the_readme_runs_verbatim_on_a_fresh_install(scratch, tmp_path):
    port = free_port()
    # The first model, as on a newcomer's fresh `make run`: the baseline only, since the starter's
    # teacher and student would take the worker's two cores for minutes of the README's own jobs. Its
    # models are scored on fewer comments, as by every worker the tests start (tests/services.py): the
    # commands are what this test checks, and the gate's and runtime choice's figures are tested elsewhere.
    env = fresh_run_env(
        tmp_path,
        port,
        PYTHONUNBUFFERED="1",
        TOXILAB_STARTER="1",
        TOXILAB_STARTER_PRESET="none",
        TOXILAB_STARTER_BASELINE_SAMPLES="2000",
        TOXILAB_GATE_TEST_COMMENTS=FAST_JOB_SETTINGS["TOXILAB_GATE_TEST_COMMENTS"],
        TOXILAB_RUNTIME_CHOICE=FAST_JOB_SETTINGS["TOXILAB_RUNTIME_CHOICE"],
    )
    blocks = readme_blocks((ROOT / "README.md").read_text())
    assert len(blocks) >= 4
    log = tmp_path / "launcher.log"
    started = time.monotonic()
    proc = launch(scratch, env, log)
    print(f"make run served (web and worker ready) after {time.monotonic() - started:.1f} s")
    try:
        assert "Created staff account 'admin'" in log.read_text()
        done = subprocess.run(
            ["bash", "-c", script(blocks, f"http://127.0.0.1:{port}")],
            cwd=scratch,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    timings = [line for line in done.stderr.splitlines() if line.startswith("### README line") and " s" in line]
    print("\n".join(timings))
    failed_at = [line for line in done.stderr.splitlines() if line.startswith("### README line")][-1:]
    assert done.returncode == 0, (
        f"the README failed after {failed_at}:\n{done.stderr[-4000:]}\n"
        f"stdout:\n{done.stdout[-2000:]}\nmake run:\n{log.read_text()[-2000:]}"
    )

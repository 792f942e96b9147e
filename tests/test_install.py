"""Clean install: build the wheel, install it into a new virtual environment, use it from there.

This is what a user on a fresh machine gets from ``pip install .``: the console script, the
presets inside the package, the article check and the TUI, with nothing from this checkout on the
path (the commands run in an empty folder).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The article's claims as shipped: one per [[claim]] table.
CLAIMS = (ROOT / "presets" / "claims.toml").read_text(encoding="utf-8").count("[[claim]]\n")

TUI_SMOKE = textwrap.dedent(
    """
    import asyncio
    from costcalc_tui.app import make_app

    async def main():
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await app.workers.wait_for_complete()
            for key in ("f3", "f4", "f5", "f2"):
                await pilot.press(key)
            await pilot.pause()
            assert app.outcome.estimate is not None and app.outcome.error is None
            assert len(app.panes["check"].results) == {claims}
        print("tui ok")

    asyncio.run(main())
    """
).replace("{claims}", str(CLAIMS))


def _run(cmd: list[str], cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, check=False)


@pytest.mark.slow
def test_wheel_in_a_fresh_virtual_environment(tmp_path: Path) -> None:
    dist, venv, work = tmp_path / "dist", tmp_path / "venv", tmp_path / "work"
    work.mkdir()
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)], tmp_path)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(dist.glob("costcalc-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {"costcalc/py.typed", "costcalc/base/units.txt", "costcalc/presets/runs.toml"} <= names
    assert {"costcalc/presets/claims.toml", "costcalc/presets/thresholds.toml"} <= names
    assert _run([sys.executable, "-m", "venv", str(venv)], tmp_path).returncode == 0
    python, costcalc = venv / "bin" / "python", venv / "bin" / "costcalc"
    installed = _run([str(python), "-m", "pip", "install", "-q", str(wheel)], tmp_path)
    assert installed.returncode == 0, installed.stderr[-2000:]

    estimate = _run([str(costcalc), "estimate", "--params", "70e9", "--gpus", "2000", "--format", "json"], work)
    assert estimate.returncode == 0, estimate.stderr
    assert json.loads(estimate.stdout)["wall_clock_days"] > 0
    check = _run([str(costcalc), "check", "--format", "json"], work)
    assert check.returncode == 0, check.stderr
    assert len(json.loads(check.stdout)) == CLAIMS
    claim = _run(
        [str(costcalc), "check", "--model", "falcon-180b", "--claim", "cost > 80M USD", "--format", "json"], work
    )
    assert claim.returncode == 0 and json.loads(claim.stdout)[0]["verdict"] == "implausible", claim.stderr
    tui = _run([str(python), "-c", TUI_SMOKE], work)
    assert tui.returncode == 0 and "tui ok" in tui.stdout, tui.stderr[-2000:]
    where = _run(
        [str(python), "-c", "import costcalc, costcalc_tui; print(costcalc.__file__, costcalc_tui.__file__)"], work
    )
    assert str(venv) in where.stdout and str(ROOT) not in where.stdout

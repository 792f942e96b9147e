"""TUI recompute time per keystroke: from a key press in the form to the results redrawn.

Runs the app headless (Textual's Pilot) at 80x24, with no typing pause (so every key
recomputes), and types into the GPU-count field. Two figures: the recompute itself (``watch_form``:
estimate the form and update the results and assumptions), timed inside the app; and the whole
press-to-idle time as Pilot sees it, which adds Pilot's own pacing and the screen refresh. (In use
the form waits for a 0.15 s pause in typing before it recomputes.) Median and 90th percentile over ``--keys``
presses. A benchmark, not a test.

Run: python benchmarks/tui_keystroke.py [--keys 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

from textual.widgets import Input


async def measure(keys: int) -> dict[str, float]:
    from costcalc_tui.app import make_app

    app = make_app(debounce=0)
    app.animation_level = "none"
    times: list[float] = []
    handler: list[float] = []
    original = app.watch_form

    def timed(form: Any) -> None:
        start = time.perf_counter()
        original(form)
        handler.append(time.perf_counter() - start)

    app.watch_form = timed  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        field = app.query_one("#gpus", Input)
        field.focus()
        await pilot.pause()
        for i in range(keys):
            key = "backspace" if i % 2 else "0"  # 2000 -> 20000 -> 2000 -> ...
            start = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            times.append(time.perf_counter() - start)
    times.sort()
    handler = sorted(handler[-keys:])
    return {
        "keys": keys,
        "recompute_median_ms": statistics.median(handler) * 1000,
        "recompute_p90_ms": handler[int(0.9 * (len(handler) - 1))] * 1000,
        "press_to_idle_median_ms": statistics.median(times) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=60)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(measure(args.keys))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"TUI recompute per keystroke: median {result['recompute_median_ms']:.1f} ms, "
        f"P90 {result['recompute_p90_ms']:.1f} ms; press to idle under Pilot "
        f"{result['press_to_idle_median_ms']:.0f} ms ({result['keys']} keys)"
    )


if __name__ == "__main__":
    main()

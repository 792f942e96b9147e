"""How well the default efficiency holds out of sample: the calibration's grouped cross-validation.

Each family of published runs (same developer and model series) is left out in turn, the model is
derived again without it (its range included, from a cross-validation that never sees the family
either), and the family's GPU-hours are predicted. Targets, from the calibration issue: median
absolute log error at most 0.22, and the P10-P90 range holding the published figure for 75% to 88%
of runs (nominal 80%). Also the median range width (P90 / P10), the same by developer, and the
in-sample error for comparison. Measurements, never assertions: the figures are what they are.

The fine-tuning calibration (``costcalc.data.finetune_calibrate``) is judged the same way, apart:
its runs left out family by family (nested), with the number of runs used; the issue's coverage
target applies to it too (75% to 88%).

Run: python benchmarks/calibration.py [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from costcalc.data.catalog import Catalog


def measure() -> dict[str, float]:
    from costcalc.data.calibrate import decisions, efficiency_model
    from costcalc.data.catalog import Catalog
    from costcalc.data.crossval import cross_validate

    catalog = Catalog.load(user=False)
    points = [d.summary for d in decisions(catalog) if d.summary is not None]
    model = efficiency_model(catalog)
    in_sample = [math.log(p.fitted_mfu) - float(model.log_mfu(p.generation, p.params, p.moe)) for p in points]
    out: dict[str, float] = {"runs": len(points), "in_sample_error": statistics.median(abs(r) for r in in_sample)}
    for by in ("family", "developer"):
        held = cross_validate(points, by)
        out[f"{by}_error"] = statistics.median(abs(math.log(h.ratio)) for h in held)
        out[f"{by}_coverage"] = sum(h.inside for h in held) / len(held)
        out[f"{by}_width"] = statistics.median(h.width for h in held)
        out[f"{by}_within_25"] = sum(abs(h.ratio - 1) <= 0.25 for h in held) / len(held)
    return out | finetune(catalog)


def finetune(catalog: Catalog) -> dict[str, float]:
    """The fine-tuning calibration's figures, its runs left out family by family."""
    from costcalc.data.finetune_calibrate import cross_validate, decide

    runs, _ = decide(catalog)
    held = cross_validate(runs)
    return {
        "ft_runs": len(runs),
        "ft_family_error": statistics.median(abs(math.log(h.ratio)) for h in held),
        "ft_family_within_25": sum(abs(h.ratio - 1) <= 0.25 for h in held) / len(held),
        "ft_family_coverage": sum(h.inside for h in held) / len(held),
        "ft_family_width": statistics.median(h.width for h in held),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    result = measure()
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for by, error_target, coverage_target in (("family", " (target <= 0.22)", " (target 75% to 88%)"),
                                              ("developer", "", "")):  # fmt: skip
        print(
            f"leave one {by} out: median |log error| {result[f'{by}_error']:.3f}{error_target}, "
            f"coverage {result[f'{by}_coverage']:.0%}{coverage_target}, median width {result[f'{by}_width']:.2f}x"
        )
    print(f"in sample: median |log error| {result['in_sample_error']:.3f} ({result['runs']:.0f} runs)")
    print(
        f"fine-tuning, leave one family out: median |log error| {result['ft_family_error']:.3f}, "
        f"{result['ft_family_within_25']:.0%} within 25%, coverage {result['ft_family_coverage']:.0%} "
        f"(target 75% to 88%), median width {result['ft_family_width']:.2f}x ({result['ft_runs']:.0f} runs)"
    )


if __name__ == "__main__":
    main()

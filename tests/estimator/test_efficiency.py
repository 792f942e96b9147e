"""Which peak an estimate uses and the efficiency applied to it: numbers against their closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from costcalc.base.errors import InputError
from costcalc.base.units import Q_
from costcalc.data.calibrate import efficiency_model
from costcalc.data.calibration import FP8_SPEEDUP, Speedup
from costcalc.data.catalog import Catalog
from costcalc.estimator.efficiency import (
    CALIBRATION_SEQ_LEN,
    MAX_EFFICIENCY,
    efficiency_for,
    resolve_dtype,
    resolve_efficiency,
)
from costcalc.estimator.inputs import EstimateInputs
from costcalc.formulas.flops import dense_training_flops, training_flops
from costcalc.render.words import cap_words, worded


def efficiency_cap_note() -> str:
    """Why an efficiency was held at the peak, in the renderer's words."""
    return cap_words(Q_(MAX_EFFICIENCY, ""))


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


@pytest.mark.parametrize(
    ("gpu", "given", "mine", "dtype", "tflops", "speedup", "named"),
    [
        # default: the bf16 peak (fp16 where there is none, and the note says why)
        ("a100", None, False, "bf16", 312.0, None, ()),
        ("v100-16gb", None, False, "fp16", 125.0, None, ("V100-16GB", "bf16")),
        # fp8 with the calibrated efficiency: the bf16 peak x the stated 1.3, not the fp8 peak (1979)
        ("h100", "fp8", False, "fp8", 989.0, 1.3, ("1979", "1.3")),
        ("h100", "fp8", True, "fp8", 1979.0, None, ("fp8",)),  # an efficiency you give is of the fp8 peak
        # fp32: its own slower peak; the calibrated efficiency (of the bf16 peak) applied to it, said so
        ("a100", "fp32", False, "fp32", 19.5, None, ("bf16",)),
        ("v100-16gb", "fp32", False, "fp32", 15.7, None, ("fp16",)),
        ("a100", "tf32", True, "tf32", 156.0, None, ("tf32",)),
        ("a100", "fp16", False, "fp16", 312.0, None, ()),
    ],
)
def test_the_peak_for_each_precision(
    catalog: Catalog, gpu: str, given: str | None, mine: bool, dtype: str, tflops: float, speedup: float | None,
    named: tuple[str, ...],
) -> None:  # fmt: skip
    got, peak, note, stated = resolve_dtype(given, catalog.accelerator(gpu), efficiency_given=mine)  # type: ignore[arg-type]
    assert (got, peak.m_as("TFLOP/s"), None if stated is None else stated.central) == (dtype, tflops, speedup)
    assert note.given is (given is not None) and f"{tflops:g}" in worded(note).value
    text = f"{worded(note).value} {worded(note).basis}"
    assert all(word in text for word in named), text
    if given is None and dtype == "bf16":
        assert catalog.accelerator(gpu).name not in text  # only an accelerator without bf16 is named


def test_fp8_speedup_is_the_default_when_no_efficiency_is_given(catalog: Catalog) -> None:
    assert resolve_dtype("fp8", catalog.accelerator("h100"))[3] is FP8_SPEEDUP


@pytest.mark.parametrize(
    ("gpu", "given", "listed"),
    [
        ("a100", "fp8", ("fp32", "tf32", "bf16", "fp16")),
        ("v100-16gb", "bf16", ("fp32", "fp16")),
        ("h100", "int8", ()),  # never modelled: no published run calibrates it
    ],
)
def test_a_precision_without_a_peak_is_refused_naming_those_there_are(
    catalog: Catalog, gpu: str, given: str, listed: tuple[str, ...]
) -> None:
    with pytest.raises(InputError) as err:
        resolve_dtype(given, catalog.accelerator(gpu))  # type: ignore[arg-type]
    assert err.value.field == "dtype"
    shown = err.value.message.split("choose one of ")[-1] if listed else ""
    assert shown.split(", ") == list(listed) if listed else "int8" in err.value.message
    assert "int8" not in shown


def test_calibrated_efficiency_closed_form(catalog: Catalog) -> None:
    """MFU = reference prediction x (counted / 6·N·D) x fp8 speed-up, held at the peak (1.0); the
    range is the prediction's P10-P90 factors with the speed-up's spread, its top held at 1 / MFU."""
    h100 = catalog.accelerator("h100")
    prediction = efficiency_model(catalog).predict(h100.generation, np.asarray(7e9), False)
    central = float(prediction.central)
    plain = resolve_efficiency(None, h100, catalog, flop_params=Q_(7e9, "parameter"), flop_ratio=1.1)
    assert plain.value is not None and plain.value.m == pytest.approx(central * 1.1)
    assert plain.range == pytest.approx(prediction.spread.factors())
    fp8 = resolve_efficiency(None, h100, catalog, flop_params=Q_(7e9, "parameter"), speedup=FP8_SPEEDUP)
    assert fp8.value is not None and fp8.value.m == pytest.approx(central * 1.3)
    assert fp8.range == pytest.approx(prediction.spread.combined(FP8_SPEEDUP.spread).factors())
    capped = resolve_efficiency(None, h100, catalog, flop_params=Q_(7e9, "parameter"), flop_ratio=5 / central)
    assert capped.value is not None and capped.value.m == MAX_EFFICIENCY == 1.0
    assert capped.range is not None and capped.range[1] == 1.0 and "100%" in efficiency_cap_note()
    assert capped.note is not None and efficiency_cap_note() in worded(capped.note).basis
    given = resolve_efficiency(Q_(0.3, ""), h100, catalog, flop_params=Q_(7e9, "parameter"))
    assert given.value is not None and given.value.m == 0.3 and given.note is None and given.range is None


@pytest.mark.parametrize("seq_len", [CALIBRATION_SEQ_LEN - 1, CALIBRATION_SEQ_LEN, CALIBRATION_SEQ_LEN + 1, 32_768])
def test_attention_beyond_the_calibration_length_costs_time(catalog: Catalog, seq_len: int) -> None:
    """The calibrated MFU of 6·N·D is converted by counted / 6·N·D counted at min(s, 8,192): up to
    8,192 GPU-hours do not depend on the count; beyond it the extra attention adds time."""
    assert CALIBRATION_SEQ_LEN == 8192
    spec, a100 = catalog.model("llama-2-7b"), catalog.accelerator("a100")
    params, tokens = spec.params, Q_(1e12, "token")
    flops = training_flops(tokens, params=params, spec=spec, seq_len=seq_len)
    inputs = EstimateInputs(seq_len=seq_len)
    got = efficiency_for(inputs, flops, params, tokens, False, a100, catalog, None, spec)
    counted = training_flops(tokens, params=params, spec=spec, seq_len=min(seq_len, CALIBRATION_SEQ_LEN)).model
    ratio = (counted / dense_training_flops(params, tokens)).m_as("")
    central = float(efficiency_model(catalog).predict(a100.generation, np.asarray(float(params.m)), False).central)
    assert got.value is not None and got.value.m == pytest.approx(central * ratio, rel=1e-12)
    mine = efficiency_for(EstimateInputs(mfu=0.4, seq_len=seq_len), flops, params, tokens, False, a100, catalog, None)
    assert mine.value is not None and mine.value.m == 0.4


def test_the_efficiency_note_gives_the_figures(catalog: Catalog) -> None:
    """The note's value is 'MFU x% (range a% to b%)' with x the applied MFU and a, b its P10 and P90;
    for a sweep of counts, the span of the MFUs (one figure when they are all equal)."""
    h100 = catalog.accelerator("h100")
    one = resolve_efficiency(None, h100, catalog, flop_params=Q_(7e9, "parameter"), flop_ratio=1.1)
    assert one.value is not None and one.range is not None and one.note is not None
    mfu, (low, high) = float(one.value.m), one.range
    assert worded(one.note).value == f"MFU {mfu:.1%} (range {mfu * low:.1%} to {mfu * high:.1%})"
    sweep = resolve_efficiency(None, h100, catalog, flop_params=Q_(np.array([1e9, 400e9]), "parameter"))
    assert sweep.value is not None and sweep.note is not None
    values = np.asarray(sweep.value.m)
    assert worded(sweep.note).value.startswith(f"MFU {values.min():.1%} to {values.max():.1%} (range ")
    same = resolve_efficiency(None, h100, catalog, flop_params=Q_(np.array([7e9, 7e9]), "parameter"))
    assert same.note is not None and worded(same.note).value.startswith(f"MFU {mfu / 1.1:.1%} (range ")


@pytest.mark.parametrize(("ratio", "shown"), [(1.0, False), (1 + 5e-10, False), (1 + 2e-9, True), (1.1, True)])
def test_the_conversion_step_is_shown_when_it_changes_the_mfu(catalog: Catalog, ratio: float, shown: bool) -> None:
    """'x r (counted FLOPs / 6·N·D)' appears in the basis when r differs from 1 by more than 1e-9."""
    note = resolve_efficiency(None, catalog.accelerator("a100"), catalog, flop_params=Q_(7e9, "parameter"),
                              flop_ratio=ratio).note  # fmt: skip
    assert note is not None and (f"x {ratio:.3f} (" in worded(note).basis) is shown


def test_the_cap_is_said_on_the_last_step(catalog: Catalog) -> None:
    """Held at the peak: the cap is said right after the step that took the MFU past it."""
    h100 = catalog.accelerator("h100")
    for speedup in (None, FP8_SPEEDUP):
        capped = resolve_efficiency(None, h100, catalog, flop_params=Q_(7e9, "parameter"), flop_ratio=10.0,
                                    speedup=speedup)  # fmt: skip
        assert capped.note is not None and f", {efficiency_cap_note()}; range:" in worded(capped.note).basis


def test_only_a_slower_peak_says_it_borrows_the_calibration(catalog: Catalog) -> None:
    """fp16 given on an A100 uses the fp16 peak (the same 312 TFLOP/s) and names no other precision."""
    note = resolve_dtype("fp16", catalog.accelerator("a100"))[2]
    assert "bf16" not in worded(note).basis and "fp32" not in worded(note).basis


def test_the_nearest_runs_mark_fp8(catalog: Catalog) -> None:
    """The evidence note lists the nearest published runs, each fp8 run marked as such."""
    h800 = catalog.accelerator("h800")
    found = resolve_efficiency(None, h800, catalog, flop_params=Q_(37e9, "parameter"), moe=True)
    assert found.evidence_note is not None and found.evidence
    fp8 = sum(1 for run in found.evidence if run.precision == "fp8")
    assert worded(found.evidence_note).value.count(", fp8)") == fp8 >= 1
    assert all(run.id in worded(found.evidence_note).value for run in found.evidence)


@pytest.mark.parametrize(("gpu", "own"), [("h100", True), ("a100", True), ("b200", False), ("mi300x", False)])
def test_the_nearest_runs_are_of_the_generation_when_it_has_runs(catalog: Catalog, gpu: str, own: bool) -> None:
    """Hopper and Ampere have published runs: the note says the runs are of that generation (and they
    are); Blackwell and CDNA3 have none, so the runs come from any generation and the note says so."""
    accelerator = catalog.accelerator(gpu)
    found = resolve_efficiency(None, accelerator, catalog, flop_params=Q_(7e9, "parameter"))
    assert found.evidence_note is not None and found.evidence
    assert all(run.generation == accelerator.generation for run in found.evidence) is own
    assert (f"of {accelerator.generation} " in worded(found.evidence_note).basis) is own


def test_an_mfu_of_exactly_the_peak_is_not_held(catalog: Catalog) -> None:
    """The cap binds above 100% only: a conversion that lands exactly on 1.0 is applied, not 'held at' the peak."""
    h100 = catalog.accelerator("h100")
    central = float(efficiency_model(catalog).predict(h100.generation, np.asarray(7e9), False).central)
    below, above = [1 / central], [1 / central]  # 1/central and its neighbouring doubles
    for _ in range(4):
        below.append(math.nextafter(below[-1], 0.0))
        above.append(math.nextafter(above[-1], math.inf))
    exact_ratios = [r for r in below + above if central * r == 1.0]
    assert exact_ratios, "no double near 1/central gives an MFU of exactly 1.0"
    ratio = exact_ratios[0]
    exact = resolve_efficiency(None, h100, catalog, flop_params=Q_(7e9, "parameter"), flop_ratio=ratio)
    assert exact.value is not None and exact.value.m == 1.0
    assert exact.note is not None and efficiency_cap_note() not in worded(exact.note).basis


def test_a_speedup_is_named_by_its_precision(catalog: Catalog) -> None:
    """fp8's stated speed-up is called so; another precision's by its name."""
    other = Speedup(dtype="fp6", central=1.1, low=1.0, high=1.2, basis="stated for the test")
    for speedup, label in ((FP8_SPEEDUP, "x 1.3 (fp8 speed-up)"), (other, "x 1.1 (fp6)")):
        found = resolve_efficiency(None, catalog.accelerator("h100"), catalog, flop_params=Q_(7e9, "parameter"),
                                   speedup=speedup)  # fmt: skip
        assert found.note is not None and label in worded(found.note).basis

"""Which peak an estimate uses and the efficiency applied to it: numbers against their closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from costcalc.base.errors import InputError
from costcalc.base.units import Q_
from costcalc.data.calibrate import efficiency_model
from costcalc.data.calibration import FP8_SPEEDUP
from costcalc.data.catalog import Catalog
from costcalc.estimator.efficiency import (
    CALIBRATION_SEQ_LEN,
    MAX_EFFICIENCY,
    efficiency_cap_note,
    efficiency_for,
    resolve_dtype,
    resolve_efficiency,
)
from costcalc.estimator.inputs import EstimateInputs
from costcalc.formulas.flops import dense_training_flops, training_flops


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
    assert note.given is (given is not None) and f"{tflops:g}" in note.value
    text = f"{note.value} {note.basis}"
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
    assert capped.note is not None and efficiency_cap_note() in capped.note.basis
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

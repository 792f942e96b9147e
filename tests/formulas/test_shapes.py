"""The standard shape of a parameter count and the default training length (costcalc.formulas.shapes)."""

from __future__ import annotations

import pytest

import costcalc
from costcalc.base.errors import InputError
from costcalc.cli import main
from costcalc.formulas.flops import parameter_count
from costcalc.formulas.shapes import DEFAULT_TRAINING_SEQ_LEN, standard_shape


@pytest.mark.parametrize(
    ("params", "layers", "hidden", "heads", "ffn"),
    [
        (6.738e9, 32, 4096, 32, 11008),  # Llama-2-7B (Touvron et al. 2023; model-architectures.md table 1)
        (13.016e9, 40, 5120, 40, 13824),  # Llama-2-13B
        (175e9, 96, 12288, 96, 32768),  # GPT-3 175B's 96 layers x 12,288 (Brown et al. 2020, Table 2.1)
    ],
)
def test_the_rule_reproduces_published_shapes(params: float, layers: int, hidden: int, heads: int, ffn: int) -> None:
    spec = standard_shape(params)
    assert (spec.layers, spec.hidden, spec.heads, spec.ffn) == (layers, hidden, heads, ffn)
    assert spec.seq_len == DEFAULT_TRAINING_SEQ_LEN == 4096 and spec.vocab == 32000 and spec.mlp == "gated"
    assert float(spec.params.m) == params  # the count given, not the shape's own
    assert "Kaplan et al. 2020" in spec.sources["layers"]


def test_70b_gets_a_shape_tensor_and_pipeline_parallelism_divide() -> None:
    spec = standard_shape(70e9)
    assert (spec.layers, spec.hidden, spec.heads) == (72, 9216, 72)
    assert spec.heads % 8 == 0 and spec.layers % 8 == 0
    assert parameter_count(spec) == pytest.approx(70e9, rel=0.06)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_a_count_that_is_not_positive_and_finite_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="positive finite"):
        standard_shape(bad)


def test_the_smallest_and_largest_counts_still_get_a_valid_shape() -> None:
    assert standard_shape(1.0).layers == 1 and standard_shape(1.0).hidden == 128
    huge = standard_shape(1e16)
    assert huge.layers is not None and huge.layers < 10_000 and parameter_count(huge) == pytest.approx(1e16, rel=0.05)


@pytest.mark.parametrize("gpu", ["tpu-v3", "v100-16gb"])
def test_the_new_accelerators_estimate(gpu: str, capsys: pytest.CaptureFixture[str]) -> None:
    """TPU v3: 123 TFLOP/s bf16 and 32 GiB per chip; V100 16 GB: 125 TFLOP/s fp16 (no bf16)."""
    est = costcalc.estimate(params="1.5B", tokens="30B", gpu=gpu, gpus=32)
    peak = {"tpu-v3": 123.0, "v100-16gb": 125.0}[gpu]
    assert est.scenario.peak.m_as("TFLOP/s") == peak and est.gpu_hours.m > 0 and est.wall_clock is not None
    assert est.memory is not None and est.memory.fits is True
    assert main(["estimate", "--params", "70e9", "--gpu", gpu, "--gpus", "8", "--tp", "1", "--pp", "1"]) == 0
    assert "DOES NOT FIT" in capsys.readouterr().out  # 16 or 32 GB: 70B needs model parallelism
    with pytest.raises(InputError, match="pipeline stages is more than"):
        costcalc.training_memory(params="70e9", gpu=gpu, pp=1000)


@pytest.mark.parametrize(
    ("params", "layers", "hidden", "ffn"),
    [
        # l = 3.01 to 3; 36·d² + 64,000·d = 3e7 gives d = 385.3 (the 2·V·d term matters here), to 3 x 128
        (3e7, 3, 384, 1024),
        # real l = 6.28 below 8: a whole number, 6; 72·d² + 64,000·d = 1e8 gives d = 815.1, to 6 x 128
        (1e8, 6, 768, 2048),
        # l = 18.03 to a multiple of 8, 16; 192·d² + 64,000·d = 1.3e9 gives d = 2,440.7, below 4,096:
        # a multiple of 128, 19 x 128 = 2,432; d_ff = 256·ceil(int(8·2432/3) / 256) = 256·26 = 6,656
        (1.3e9, 16, 2432, 6656),
        # l = 53.18 to 56; 672·d² + 64,000·d = 3e10 gives d = 6,634, from 4,096 a multiple of 1,024: 6,144
        (3e10, 56, 6144, 16384),
    ],
)
def test_the_rounding_rules_by_hand(params: float, layers: int, hidden: int, ffn: int) -> None:
    """standard_shape's rule worked by hand: l from 12·l·(128·l)² + 2·32,000·128·l = N, rounded
    (below 8 to a whole number, else to a multiple of 8); then d from 12·l·d² + 2·V·d = N for that l,
    rounded to 128 (to 1,024 from a width of 4,096); heads d/128; Llama's MLP rule."""
    spec = standard_shape(params)
    assert (spec.layers, spec.hidden, spec.heads, spec.ffn) == (layers, hidden, hidden // 128, ffn)


def test_the_layer_count_solves_the_aspect_ratio_cubic() -> None:
    """12·l·(128·l)² + 2·32,000·128·l = N: at l = 32 that is 6,442,450,944 + 262,144,000 = 6,704,594,944,
    and at l = 4, 12,582,912 + 32,768,000 = 45,350,912; bisection finds l back."""
    from costcalc.formulas.shapes import ASPECT_RATIO, HEAD_DIM, MULTIPLE, STANDARD_VOCAB, WIDE, _aspect_layers

    assert (ASPECT_RATIO, HEAD_DIM, MULTIPLE, STANDARD_VOCAB, WIDE) == (128, 128, 8, 32_000, 4096)
    assert _aspect_layers(6_704_594_944) == pytest.approx(32, rel=1e-9)
    assert _aspect_layers(45_350_912) == pytest.approx(4, rel=1e-9)

"""Bring your own model: a local config.json or the shape options, into architecture-aware FLOPs and
memory. Every config file is written here, in the test, with the field names of the released
checkpoint's config.json; parameter counts are checked against the published ones."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import costcalc
from costcalc.base.errors import InputError, PresetError
from costcalc.cli import main
from costcalc.data.model_config import MAX_CONFIG_BYTES, read_model_config
from costcalc.estimator.inputs import SHAPE_FIELDS, EstimateInputs, ParamCount
from costcalc.formulas.flops import attended_keys, flops_per_token, parameter_count
from costcalc.formulas.shapes import DEFAULT_TRAINING_SEQ_LEN
from costcalc.render.words import worded
from costcalc.schemas import ModelSpec
from costcalc.schemas.bounds import MAX_PARAMS, SHAPE_LIMITS, param_count

LLAMA_2_7B = {  # meta-llama/Llama-2-7b-hf config.json (this project's reference [L2-hf])
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 4096,
    "intermediate_size": 11008,
    "num_attention_heads": 32,
    "num_hidden_layers": 32,
    "num_key_value_heads": 32,
    "max_position_embeddings": 4096,
    "vocab_size": 32000,
    "hidden_act": "silu",
    "rms_norm_eps": 1e-05,
    "tie_word_embeddings": False,
    "torch_dtype": "float16",
}

CONFIGS: dict[str, tuple[dict[str, Any], int]] = {
    # Each: the config fields, and the parameter count of the released checkpoint (the published
    # rounded figure in the comment).
    "gpt2": (  # openai-community/gpt2: "124M parameters"
        {"model_type": "gpt2", "n_layer": 12, "n_embd": 768, "n_head": 12, "n_inner": None, "vocab_size": 50257,
         "n_positions": 1024, "activation_function": "gelu_new"},
        124_439_808,
    ),
    "mistral": (  # mistralai/Mistral-7B-v0.1: 7.24B
        {"model_type": "mistral", "hidden_size": 4096, "intermediate_size": 14336, "num_attention_heads": 32,
         "num_hidden_layers": 32, "num_key_value_heads": 8, "vocab_size": 32000, "max_position_embeddings": 32768,
         "sliding_window": 4096, "tie_word_embeddings": False},
        7_241_732_096,
    ),
    "mixtral": (  # mistralai/Mixtral-8x7B-v0.1: "46.7B total parameters but only uses 12.9B per token"
        {"model_type": "mixtral", "hidden_size": 4096, "intermediate_size": 14336, "num_attention_heads": 32,
         "num_hidden_layers": 32, "num_key_value_heads": 8, "vocab_size": 32000, "num_local_experts": 8,
         "num_experts_per_tok": 2, "max_position_embeddings": 32768, "tie_word_embeddings": False},
        46_702_792_704,
    ),
    "qwen2": (  # Qwen/Qwen2-7B: 7.62B (biases on Q, K and V only)
        {"model_type": "qwen2", "hidden_size": 3584, "intermediate_size": 18944, "num_attention_heads": 28,
         "num_hidden_layers": 28, "num_key_value_heads": 4, "vocab_size": 152064, "max_position_embeddings": 131072,
         "tie_word_embeddings": False},
        7_615_616_512,
    ),
    "gpt_neox": (  # EleutherAI/gpt-neox-20b: 20,554,567,680 (Black et al. 2022)
        {"model_type": "gpt_neox", "hidden_size": 6144, "intermediate_size": 24576, "num_attention_heads": 64,
         "num_hidden_layers": 44, "vocab_size": 50432, "max_position_embeddings": 2048, "rotary_pct": 0.25,
         "use_parallel_residual": True, "tie_word_embeddings": False},
        20_554_567_680,
    ),
    "falcon-7b": (  # tiiuae/falcon-7b: 7B (6.92B), multi-query, one LayerNorm per parallel block
        {"model_type": "falcon", "hidden_size": 4544, "num_attention_heads": 71, "num_hidden_layers": 32,
         "vocab_size": 65024, "multi_query": True, "parallel_attn": True, "new_decoder_architecture": False,
         "bias": False},
        6_921_720_704,
    ),
    "falcon-180b": (  # tiiuae/falcon-180B [F-hf]: the Falcon-180B preset's 178,557,088,768
        {"model_type": "falcon", "hidden_size": 14848, "num_attention_heads": 232, "num_kv_heads": 8,
         "num_hidden_layers": 80, "vocab_size": 65024, "new_decoder_architecture": True, "parallel_attn": True,
         "bias": False, "max_position_embeddings": 2048},
        178_557_088_768,
    ),
    "deepseek_v3": (  # deepseek-ai/DeepSeek-V3 [DS-repo]: 671B; the reference cross-check's 671,026,419,200
        {"model_type": "deepseek_v3", "hidden_size": 7168, "intermediate_size": 18432, "moe_intermediate_size": 2048,
         "num_attention_heads": 128, "num_hidden_layers": 61, "n_routed_experts": 256, "n_shared_experts": 1,
         "num_experts_per_tok": 8, "first_k_dense_replace": 3, "q_lora_rank": 1536, "kv_lora_rank": 512,
         "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128, "vocab_size": 129280,
         "topk_method": "noaux_tc", "max_position_embeddings": 163840, "tie_word_embeddings": False,
         "rope_scaling": {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096}},
        671_026_419_200,
    ),
}  # fmt: skip


def _write(tmp_path: Path, data: object, name: str = "config.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("family", list(CONFIGS))
def test_config_parameter_counts_are_the_published_ones(family: str, tmp_path: Path) -> None:
    data, published = CONFIGS[family]
    spec = read_model_config(_write(tmp_path, data))
    assert parameter_count(spec) == published == int(spec.params.m)


def test_mixtral_active_and_deepseek_context(tmp_path: Path) -> None:
    """Mixtral: 12.9B parameters per token (Mistral AI's announcement; 12,879,921,152 computed).
    DeepSeek-V3: pre-trained at 4K (§4.2), which the config keeps as rope scaling's original length."""
    mixtral = read_model_config(_write(tmp_path, CONFIGS["mixtral"][0]))
    assert mixtral.active_params is not None and float(mixtral.active_params.m) == pytest.approx(12.9e9, rel=0.005)
    deepseek = read_model_config(_write(tmp_path, CONFIGS["deepseek_v3"][0]))
    assert deepseek.seq_len == 4096 and deepseek.active_params is not None
    assert int(deepseek.active_params.m) == 37_552_297_472


def test_llama_2_7b_config_equals_the_preset(tmp_path: Path) -> None:
    path = _write(tmp_path, LLAMA_2_7B)
    common = {"tokens": "2T", "gpus": 64, "gpu": "a100"}
    mine = costcalc.estimate(config_file=str(path), **common)
    preset = costcalc.estimate(model="llama-2-7b", **common)
    assert mine.flops.m == preset.flops.m and mine.gpu_hours.m == preset.gpu_hours.m
    assert mine.memory is not None and preset.memory is not None
    assert mine.memory.to_dict() == preset.memory.to_dict()
    assert float(mine.scenario.params.m) == 6_738_415_616


def test_shape_options_equal_the_preset(capsys: pytest.CaptureFixture[str]) -> None:
    """--layers 32 --hidden 4096 --heads 32 --vocab 32000: FFN 11008 by Llama's rule (int(8d/3)
    rounded up to 256), sequence length 4096: Llama-2-7B exactly."""
    shape = costcalc.estimate(layers=32, hidden=4096, heads=32, vocab=32000, tokens="2T", gpus=64)
    preset = costcalc.estimate(model="llama-2-7b", tokens="2T", gpus=64)
    assert shape.flops.m == preset.flops.m and float(shape.scenario.params.m) == 6_738_415_616
    moe = costcalc.estimate(
        layers=32, hidden=4096, heads=32, kv_heads=8, ffn=14336, vocab=32000, experts=8, experts_per_token=2
    )
    assert float(moe.scenario.params.m) == CONFIGS["mixtral"][1]
    argv = ["memory", "--layers", "32", "--hidden", "4096", "--heads", "32", "--vocab", "32000", "--gpus", "8"]
    assert main(argv) == 0
    assert "fits" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "config.json: not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"model_type": "llama", "hidden_size": 4096}', "config.json: num_hidden_layers: is required but missing"),
        ('{"model_type": "bert"}', 'config.json: model_type: "bert" is not one of'),
        (
            json.dumps({**LLAMA_2_7B, "num_hidden_layers": "32"}),
            "num_hidden_layers: expected a whole number from 1 to 10,000",
        ),
        (json.dumps({**LLAMA_2_7B, "hidden_size": -1}), "hidden_size: expected a whole number from 1 to 1,000,000"),
        (json.dumps({**LLAMA_2_7B, "num_key_value_heads": 5}), "num_key_value_heads: heads (32) must be a multiple"),
        (json.dumps({**LLAMA_2_7B, "tie_word_embeddings": "no"}), "tie_word_embeddings: expected true or false"),
        ('{"hidden_size": NaN}', "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "config.json: nested too deeply to read"),  # within the size cap
        ('{"a": ' * 50_000 + "1" + "}" * 50_000, "config.json: nested too deeply to read"),
    ],
)
def test_malformed_configs_are_one_line_errors(
    content: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.json"
    path.write_text(content, encoding="utf-8")
    assert main(["estimate", "--model-config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("costcalc estimate: error: --model-config: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_only_small_regular_files_are_read(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a regular file"):
        read_model_config(tmp_path)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_CONFIG_BYTES + 1))
    with pytest.raises(InputError, match="too large"):
        read_model_config(big)
    with pytest.raises(InputError, match="cannot be read"):
        read_model_config(tmp_path / "missing.json")
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        with pytest.raises(InputError, match="not a regular file"):  # refused at once, never waits for a writer
            read_model_config(fifo)


def test_a_shape_and_a_preset_are_not_both_given(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not two"):
        costcalc.estimate(model="llama-2-7b", layers=32)
    with pytest.raises(InputError, match="not both"):
        costcalc.estimate(config_file=str(_write(tmp_path, LLAMA_2_7B)), layers=32)
    with pytest.raises(InputError, match="`layers`, `hidden`, `heads` and `vocab`"):
        costcalc.estimate(layers=32, hidden=4096)


LLAMA_31_8B_NO_ROPE_SCALING = {  # meta-llama/Llama-3.1-8B config.json with its rope_scaling removed
    "model_type": "llama", "hidden_size": 4096, "intermediate_size": 14336, "num_attention_heads": 32,
    "num_hidden_layers": 32, "num_key_value_heads": 8, "vocab_size": 128256, "max_position_embeddings": 131072,
    "tie_word_embeddings": False,
}  # fmt: skip
QWEN2_OPTIONS = {"layers": 28, "hidden": 3584, "heads": 28, "kv_heads": 4, "ffn": 18944, "vocab": 152064}
LLAMA_31_OPTIONS = {"layers": 32, "hidden": 4096, "heads": 32, "kv_heads": 8, "ffn": 14336, "vocab": 128256}


@pytest.mark.parametrize(
    ("config", "options"),
    [({**CONFIGS["qwen2"][0], "sliding_window": 131072, "use_sliding_window": False}, QWEN2_OPTIONS),
     (LLAMA_31_8B_NO_ROPE_SCALING, LLAMA_31_OPTIONS)],
    ids=["qwen2-7b", "llama-3.1-8b"],
)  # fmt: skip
def test_a_long_context_config_trains_at_the_default_length(
    config: dict[str, Any], options: dict[str, int], tmp_path: Path
) -> None:
    """max_position_embeddings 131072 is the context after the long-context stage, not the training
    length: the estimate trains at DEFAULT_TRAINING_SEQ_LEN (FLOPs within 10% of the same shape given
    by options at that length, and so within 10% of 6·N·D), keeps 131072 as the bound of --seq-len,
    and its efficiency is an ordinary one (the issue's Qwen2 run printed MFU 105.6%)."""
    path = str(_write(tmp_path, config))
    common = {"tokens": "2T", "gpus": 256}
    mine = costcalc.estimate(config_file=path, **common)
    spec = mine.scenario.model
    assert spec is not None and spec.seq_len == DEFAULT_TRAINING_SEQ_LEN == 4096 and spec.max_seq_len == 131072
    by_options = costcalc.estimate(seq_len=DEFAULT_TRAINING_SEQ_LEN, **options, **common)
    assert mine.flops.m == pytest.approx(by_options.flops.m, rel=0.10)
    six_nd = 6 * float(mine.scenario.params.m) * 2e12
    assert 0.9 < mine.flops.m_as("FLOP") / six_nd < 1.1
    assert 0.05 < float(mine.scenario.mfu.m) < 0.7
    model = next(a for a in mine.assumptions if a.key == "model")
    assert model.basis.key == "config_file" and model.basis["seq_len"] == 4096 and model.basis["window"] is None
    basis = worded(model).basis
    assert "default training length" in basis and "131,072 is the longest context" in basis
    assert mine.to_dict()["inputs"]["shape_params"] == float(mine.scenario.params.m)  # the count is stated
    longest = costcalc.estimate(config_file=path, seq_len=131072, **common)
    assert longest.flops.m > 2 * mine.flops.m  # attention over 128K tokens is real work ...
    assert longest.gpu_hours.m > 2 * mine.gpu_hours.m  # ... and costs time, at an efficiency under 100%
    assert float(longest.scenario.mfu.m) <= 1.0 and longest.scenario.mfu_range is not None
    with pytest.raises(InputError, match="seq_len: 131,073 is longer than the context"):
        costcalc.estimate(config_file=path, seq_len=131073, **common)


def test_the_parameter_count_of_an_imported_model_is_stated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(_write(tmp_path, CONFIGS["mixtral"][0]))
    assert main(["estimate", "--model-config", path, "--tokens", "1T"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "model: config.json (mixtral), 46.7B parameters, 12.88B active" in out


def test_mistral_sliding_window_limits_the_attention_flops(tmp_path: Path) -> None:
    """Mistral 7B attends to at most 4,096 keys (Jiang et al. 2023, §2): at 32,768 tokens the mean
    causal query sees w − w²/(2s) = 3,840 keys, not s/2 = 16,384."""
    data = CONFIGS["mistral"][0]
    windowed = read_model_config(_write(tmp_path, data), seq_len=32768)
    assert windowed.sliding_window == 4096
    unwindowed = windowed.model_copy(update={"sliding_window": None})
    with_window, without = flops_per_token(windowed, 32768), flops_per_token(unwindowed, 32768)
    assert with_window.layer_matmuls == without.layer_matmuls
    assert with_window.attention_scores / without.attention_scores == pytest.approx(3840 / 16384, rel=1e-12)
    at_window = read_model_config(_write(tmp_path, data), seq_len=4096)  # the window does not bind at 4,096
    assert flops_per_token(at_window, 4096) == flops_per_token(
        at_window.model_copy(update={"sliding_window": None}), 4096
    )
    qwen = read_model_config(
        _write(tmp_path, {**CONFIGS["qwen2"][0], "sliding_window": 4096, "use_sliding_window": False})
    )
    assert qwen.sliding_window is None  # Qwen2 states a window it does not use


@pytest.mark.parametrize(
    ("s", "w", "causal", "keys"),
    [(8, None, True, 4.0), (8, 8, True, 4.0), (8, 9, True, 4.0), (8, 4, True, 3.0), (8, 1, True, 1 - 1 / 16),
     (8, None, False, 8.0), (8, 4, False, 4.0), (8, 8, False, 8.0)],
)  # fmt: skip
def test_attended_keys_at_the_boundaries(s: int, w: int | None, causal: bool, keys: float) -> None:
    assert attended_keys(s, w, causal=causal) == keys


def test_one_set_of_bounds_for_configs_presets_and_options(tmp_path: Path) -> None:
    """Issue 21: a config with every size at 1e9, a 1e9 context and a preset of 1e30 parameters are
    refused with the field named, by the same limits as the options."""
    sizes = ("hidden_size", "intermediate_size", "num_attention_heads", "num_hidden_layers", "vocab_size")
    huge = {**LLAMA_2_7B, **dict.fromkeys(sizes, 10**9)}
    with pytest.raises(InputError, match="num_hidden_layers: expected a whole number from 1 to 10,000, got 1000000000"):
        read_model_config(_write(tmp_path, huge))
    with pytest.raises(InputError, match="max_position_embeddings: expected a whole number from 1 to 100,000,000"):
        read_model_config(_write(tmp_path, {**LLAMA_2_7B, "max_position_embeddings": 10**9}))
    at_limits = {**LLAMA_2_7B, "num_hidden_layers": 10_000, "hidden_size": 1_000_000, "intermediate_size": 10**7,
                 "num_attention_heads": 10_000, "num_key_value_heads": 10_000}  # fmt: skip
    with pytest.raises(InputError, match=r"params: the shape gives 3.4e\+17: expected a value <= 1e\+16"):
        read_model_config(_write(tmp_path, at_limits))
    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "mine.toml").write_text('[[model]]\nname = "Giant"\nparams = 1e30\n[model.sources]\nparams = "mine"\n')
    with pytest.raises(PresetError, match=r"params: expected a value <= 1e\+16"):
        costcalc.estimate(model="giant", presets=[folder])
    for field in SHAPE_FIELDS:  # the options' bounds are the presets' and the config files'
        option = next(m.le for m in EstimateInputs.model_fields[field].metadata if hasattr(m, "le"))
        assert option == SHAPE_LIMITS[field]
        with pytest.raises(ValidationError):
            ModelSpec(name="x", params="1B", **{field: SHAPE_LIMITS[field] + 1})
    assert EstimateInputs.model_fields["seq_len"].metadata and ModelSpec.model_fields["max_seq_len"]
    assert param_count().maximum == ParamCount.maximum == MAX_PARAMS == 1e16


def test_the_api_takes_the_options_name_and_suggests_near_names(tmp_path: Path) -> None:
    path = _write(tmp_path, LLAMA_2_7B)
    by_option = costcalc.estimate(model_config=str(path), tokens="2T", gpus=64)
    by_field = costcalc.estimate(config_file=str(path), tokens="2T", gpus=64)
    preset = costcalc.estimate(model="llama-2-7b", gpus=64)
    assert by_option.flops == by_field.flops == preset.flops
    with pytest.raises(InputError, match="not both") as both:
        costcalc.estimate(model_config=str(path), config_file=str(path))
    assert both.value.field == "model_config"
    with pytest.raises(InputError, match="did you mean model_config or model") as near:
        costcalc.estimate(model_confg=str(path))
    assert near.value.field == "model_confg" and near.value.message.startswith("is not a known field")
    with pytest.raises(InputError, match=r"help\(costcalc.estimate\)"):
        costcalc.estimate(params="7B", zzz=1)

"""Every documented file and value cap, exercised at the cap (taken) and one over it (refused).

Issue 21: the README's limits section states each cap; these pin the boundary, not only the
refusal far beyond it. Time and memory at the caps are measured by benchmarks/caps.py, never
asserted here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import costcalc
from costcalc.base.errors import CostcalcError, InputError
from costcalc.commands.claims.files import TEMPLATE
from costcalc.commands.scenario_files import MAX_SCENARIO_BYTES, load_scenario
from costcalc.data import folders
from costcalc.data.claims import MAX_CLAIMS_FILE_BYTES, read_claims_file
from costcalc.data.model_config import MAX_CONFIG_BYTES, read_model_config
from costcalc.estimator.inputs import MAX_SAMPLES

README = Path(__file__).resolve().parents[2] / "README.md"

LLAMA_CONFIG = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096,
    "intermediate_size": 11008, "num_attention_heads": 32, "num_hidden_layers": 32,
    "num_key_value_heads": 32, "vocab_size": 32000, "max_position_embeddings": 4096,
    "tie_word_embeddings": False,
}  # fmt: skip


def _padded(text: str, size: int, comment: str = "#") -> str:
    """``text`` followed by comment lines (TOML) or spaces (JSON) to exactly ``size`` bytes."""
    room = size - len(text.encode())
    assert room >= 0
    if comment == " ":
        return text + " " * room
    line = comment + "x" * 98 + "\n"
    return text + line * (room // 100) + (comment + "x" * (room % 100 - 1) if room % 100 else "")


def _scenario(path: Path, size: int) -> object:
    path.write_text(_padded('params = "7B"\ngpus = 8\n', size))
    return load_scenario(path)


def _claims(path: Path, size: int) -> object:
    path.write_text(_padded(TEMPLATE, size))
    return read_claims_file(path)


def _config(path: Path, size: int) -> object:
    path.write_text(_padded(json.dumps(LLAMA_CONFIG), size, " "))
    return read_model_config(path)


@pytest.mark.parametrize(
    ("reader", "cap"),
    [(_scenario, MAX_SCENARIO_BYTES), (_claims, MAX_CLAIMS_FILE_BYTES), (_config, MAX_CONFIG_BYTES)],
    ids=["scenario", "claims", "model-config"],
)
def test_each_file_is_read_at_its_cap_and_refused_one_byte_over(
    tmp_path: Path, reader: Callable[[Path, int], object], cap: int
) -> None:
    path = tmp_path / "file"
    assert reader(path, cap) is not None
    assert path.stat().st_size == cap
    with pytest.raises(CostcalcError, match="too large"):
        reader(path, cap + 1)


def test_samples_at_the_cap_are_taken_and_one_more_refused() -> None:
    est = costcalc.estimate(params="7B", gpus=8, samples=MAX_SAMPLES)
    assert est.scenario.samples == MAX_SAMPLES
    with pytest.raises(InputError, match="less than or equal to 1000000"):
        costcalc.estimate(params="7B", gpus=8, samples=MAX_SAMPLES + 1)


def test_an_array_input_at_the_cap_is_taken_and_one_more_refused() -> None:
    est = costcalc.estimate(params=costcalc.Q_(np.full(1_000_000, 7e9), "parameter"), tokens="1T", gpus=8)
    assert np.asarray(est.gpu_hours.m).shape == (1_000_000,)
    with pytest.raises(InputError, match=r"too many values \(1,000,001; at most 1,000,000\)"):
        costcalc.estimate(params=costcalc.Q_(np.full(1_000_001, 7e9), "parameter"), tokens="1T", gpus=8)


def test_the_readme_states_the_preset_caps_as_the_code_has_them() -> None:
    text = " ".join(README.read_text().split())
    limits = text[text.index("**Limits**") :][:2000]
    assert f"at most **{folders.MAX_USER_PRESET_FILES} files** and **1 MB in all**" in limits
    assert f"in at most {folders.MAX_PRESET_FOLDERS} folders" in limits
    assert folders.MAX_USER_PRESET_BYTES == 1024 * 1024 and folders.MAX_PRESET_BYTES == 2 * 1024 * 1024
    assert "a preset file up to 2 MB" in limits
    assert re.search(r"a scenario file is read up to 256 kB", limits) and MAX_SCENARIO_BYTES == 256 * 1024
    assert "a claims file up to 1 MB" in limits and MAX_CLAIMS_FILE_BYTES == 1_000_000

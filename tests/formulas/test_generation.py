"""KV-cache size and bandwidth-bound decode time against closed forms on stated inputs."""

from __future__ import annotations

import pytest

from costcalc.base.units import Q_
from costcalc.data.catalog import Catalog
from costcalc.formulas.generation import decode_time, kv_cache_bytes, kv_cache_bytes_per_token
from costcalc.schemas import ModelSpec

#: l = 2, d = 64, n_h = 4, n_kv = 2, d_k = 64/4 = 16.
TINY = {"layers": 2, "hidden": 64, "heads": 4, "kv_heads": 2, "head_dim": None, "ffn": 128, "vocab": 100}


@pytest.fixture(scope="module")
def tiny() -> ModelSpec:
    return Catalog.load().model("llama-2-7b").model_copy(update=TINY)


def test_kv_cache_per_token_closed_form(tiny: ModelSpec) -> None:
    """Pope et al. 2022 §2.1: 2·l·n_kv·d_k·b = 2·2·2·16·2 = 256 bytes per token (GQA, 16-bit);
    128 at one byte per value; 512 for multi-head attention (n_kv = n_h = 4) or d_k = 32. MLA
    (DeepSeek-V2 §2.1.2) caches l·(d_c + d_h^R)·b = 2·(32 + 8)·2 = 160."""
    assert kv_cache_bytes_per_token(tiny).m_as("B/token") == 256
    assert kv_cache_bytes_per_token(tiny, 1).m_as("B/token") == 128
    assert kv_cache_bytes_per_token(tiny.model_copy(update={"kv_heads": None})).m_as("B/token") == 512
    assert kv_cache_bytes_per_token(tiny.model_copy(update={"head_dim": 32})).m_as("B/token") == 512
    mla = tiny.model_copy(update={"kv_lora_rank": 32, "qk_rope_head_dim": 8, "kv_heads": None, "head_dim": 16})
    assert kv_cache_bytes_per_token(mla).m_as("B/token") == 160
    with pytest.raises(ValueError, match="architecture"):
        kv_cache_bytes_per_token(tiny.model_copy(update={"ffn": None}))


def test_kv_cache_of_a_batch(tiny: ModelSpec) -> None:
    """B·T·2·l·n_kv·d_k·b: 3 sequences of 10 tokens at 256 bytes per token = 7680 bytes; one byte per value, 3840."""
    assert kv_cache_bytes(tiny, 10, 3).m_as("B") == 7680
    assert kv_cache_bytes(tiny, 10).m_as("B") == 2560
    assert kv_cache_bytes(tiny, 10, 3, 1).m_as("B") == 3840


def test_decode_time_closed_form() -> None:
    """W = 1000 B, k = 10 B/token, B = 2, P = 5, R = 4, BW = 100 B/s: cache token-steps
    B·(R·P + R(R-1)/2) = 2·(20 + 6) = 52; bytes R·W + k·52 = 4000 + 520 = 4520; 45.2 s. The compute
    bound B·R·f/peak is 8 s at f = 1 FLOP/token and peak 1 FLOP/s (memory-bound: 45.2 s), 80 s at
    peak 0.1 FLOP/s (compute-bound); without a peak or without f only the memory bound counts."""
    args = (Q_(1000, "B"), Q_(10, "B/token"), 2, 5, 4, Q_(100, "B/s"))
    assert decode_time(*args).m_as("s") == pytest.approx(45.2)
    f = Q_(1, "FLOP/token")
    assert decode_time(*args, flops_per_token=f, peak=Q_(1, "FLOP/s")).m_as("s") == pytest.approx(45.2)
    assert decode_time(*args, flops_per_token=f, peak=Q_(0.1, "FLOP/s")).m_as("s") == pytest.approx(80)
    assert decode_time(*args, flops_per_token=f).m_as("s") == pytest.approx(45.2)
    assert decode_time(*args, peak=Q_(0.1, "FLOP/s")).m_as("s") == pytest.approx(45.2)
    one = decode_time(Q_(1000, "B"), Q_(10, "B/token"), 1, 0, 1, Q_(100, "B/s"))
    assert one.m_as("s") == pytest.approx(10.0)  # one step, empty cache: the weights once

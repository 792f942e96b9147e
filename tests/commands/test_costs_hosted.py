"""``costcalc costs`` for a fine-tuning stage: hosted prices per training token beside the GPU-hour costs."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

import costcalc
from costcalc.cli import main
from costcalc.commands.hosted import EDGE, hosted_tuning
from costcalc.data.catalog import Catalog, default_catalog, validate_entry
from costcalc.schemas.observations import HostedPrice


def _prices() -> list[HostedPrice]:
    return [validate_entry(e, HostedPrice) for e in default_catalog().data("hosted_finetune")]


def _price(provider: str, stage: str, method: str, tier: str) -> float:
    """A shipped price in USD per token, read from the data file (never typed into a test)."""
    found = [p for p in _prices() if (p.provider, p.stage, p.method, p.tier) == (provider, stage, method, tier)]
    assert len(found) == 1
    return float(found[0].price.m_as("USD/token"))


def _costs(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["costs", *args, "--format", "json"]) == 0
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


def test_every_shipped_price_is_dated_and_sourced() -> None:
    prices = _prices()
    assert {p.provider for p in prices} >= {"Together AI", "OpenAI"}
    for p in prices:
        assert p.source.startswith("https://") and p.rate_card and len(p.date) >= 7
        assert p.own_models or p.max_params is not None  # a comparable price names its sizes
    # Together's tiers tile the sizes: each tier starts where the one below ends
    for stage in ("sft", "dpo"):
        for method in ("full", "lora"):
            tiers = sorted((p for p in prices if (p.provider, p.stage, p.method) == ("Together AI", stage, method)),
                           key=lambda p: p.max_params.m_as("parameter") if p.max_params else 0.0)  # fmt: skip
            assert tiers[0].min_params is None
            for below, above in itertools.pairwise(tiers):
                assert above.min_params == below.max_params


def test_alpaca_sft_gets_togethers_full_price_for_its_tokens(capsys: pytest.CaptureFixture[str]) -> None:
    """52,002 examples x 3 epochs x 512 tokens, full SFT of a 7B model: the up-to-16B full price."""
    args = ["--model", "llama-2-7b", "--stage", "sft", "--examples", "52002", "--epochs", "3", "--seq-len", "512"]
    data = _costs(capsys, *args, "--gpus", "8")
    hosted = data["hosted"]
    assert isinstance(hosted, dict)
    tokens = 52002 * 3 * 512
    assert hosted["tokens"] == tokens
    [quote] = hosted["quotes"]
    assert (quote["provider"], quote["method"], quote["tier"]) == ("Together AI", "full", "up to 16B")
    assert quote["total_usd"] == pytest.approx(tokens * _price("Together AI", "sft", "full", "up to 16B"), rel=1e-12)
    assert any(r.startswith("OpenAI fine-tuning API: tunes only its own models") for r in hosted["not_applicable"])


@pytest.mark.parametrize("method", ["lora", "qlora"])
def test_adapters_get_the_services_lora_price(capsys: pytest.CaptureFixture[str], method: str) -> None:
    data = _costs(capsys, "--model", "llama-2-7b", "--stage", "dpo", "--method", method, "--tokens", "10M",
                  "--seq-len", "1024")  # fmt: skip
    hosted = data["hosted"]
    assert isinstance(hosted, dict)
    [quote] = hosted["quotes"]
    assert quote["method"] == "lora" and quote["stage"] == "dpo"
    assert quote["total_usd"] == pytest.approx(10e6 * _price("Together AI", "dpo", "lora", "up to 16B"), rel=1e-12)


@pytest.mark.parametrize(
    ("params", "tiers"),
    [
        (16e9 * (1 - EDGE), ["up to 16B"]),  # the next tier's bottom edge, exclusive
        (16e9, ["up to 16B", "17B-69B"]),
        (16e9 * (1 + EDGE), ["up to 16B", "17B-69B"]),  # within the edge: both
        (16e9 * (1 + EDGE) * 1.001, ["17B-69B"]),
        (69e9 * (1 - EDGE) * 1.001, ["17B-69B", "70B-100B"]),
        (100e9 * (1 + EDGE), ["70B-100B"]),
        (100e9 * (1 + EDGE) * 1.001, []),  # no tier that size
    ],
)
def test_size_tiers_and_their_edges(params: float, tiers: list[str]) -> None:
    est = costcalc.estimate(params=params, stage="sft", tokens="1M", seq_len=512, gpus=8)
    hosted = hosted_tuning(est, default_catalog())
    assert hosted is not None
    assert [q.tier for q in hosted.quotes] == tiers
    if not tiers:
        assert any("no price for a model of this size" in r for r in hosted.not_applicable)


def test_no_hosted_price_for_pretraining_or_long_context(capsys: pytest.CaptureFixture[str]) -> None:
    pretrain = _costs(capsys, "--model", "llama-2-7b", "--gpus", "8")
    assert "hosted" not in pretrain
    assert main(["costs", "--model", "llama-2-7b", "--gpus", "8"]) == 0
    assert "Hosted" not in capsys.readouterr().out
    args = ["costs", "--model", "llama-2-7b", "--stage", "long-context", "--tokens", "1B", "--seq-len", "4096"]
    assert main(args) == 0
    out = " ".join(capsys.readouterr().out.split())  # the lines are wrapped to the terminal
    assert "Hosted fine-tuning: no price applies to this run (1B tokens)." in out
    assert "Together AI fine-tuning: prices sft and dpo only, not a long-context stage" in out


def test_the_table_sets_the_hosted_price_beside_the_gpu_hours(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["costs", "--model", "llama-2-70b", "--stage", "sft", "--tokens", "100M", "--seq-len", "2048"]
    assert main(args) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert out.index("priced four ways") < out.index("Hosted fine-tuning, billed per training token (100M tokens")
    assert "source: Together AI, docs.together.ai/docs/fine-tuning/pricing" in out
    assert "near the edge of two size tiers" in out  # Llama 2 70B: 68.98B parameters


def test_a_users_preset_file_adds_a_hosted_price(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text(
        '[[hosted_finetune]]\nprovider = "Mine"\nservice = "Mine tuning"\nstage = "sft"\nmethod = "full"\n'
        'tier = "any"\nmax_params = "1T"\nprice = "1 USD/Mtoken"\ndate = "2026-01"\n'
        'source = "https://example.org"\nrate_card = "1 dollar per million"\n',
        encoding="utf-8",
    )
    catalog = Catalog.load([tmp_path])
    est = costcalc.estimate(model="llama-2-7b", stage="sft", tokens="2M", seq_len=512, catalog=catalog)
    hosted = hosted_tuning(est, catalog)
    assert hosted is not None
    mine = [q for q in hosted.quotes if q.provider == "Mine"]
    assert [q.total_usd for q in mine] == [pytest.approx(2.0)]

"""Claims beyond the article: one-line --claim, claim files, the template, the verdict arithmetic.

Verdicts are pinned on the arithmetic and on figures the data publishes (GPU-hours, prices), not on
costcalc's default efficiency, which a recalibration may move.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from costcalc.base.errors import InputError
from costcalc.cli import main
from costcalc.commands.checks import check_claim
from costcalc.commands.claims.oneline import parse_claim
from costcalc.commands.claims.quantity import judge
from costcalc.data.catalog import Catalog
from costcalc.data.claims import MAX_CLAIMS_FILE_BYTES
from costcalc.schemas.claims import Claim


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def verdict_of(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    code, out, err = run(capsys, "check", *argv, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert len(data) == 1
    result: dict[str, object] = data[0]
    return result


# -- the "done when" cases ------------------------------------------------------------


def test_falcon_over_80m_is_implausible_by_its_published_gpu_hours(capsys: pytest.CaptureFixture[str]) -> None:
    r = verdict_of(capsys, "--model", "falcon-180b", "--claim", "cost > 80M USD")
    assert r["verdict"] == "implausible"
    # 80M USD / 7,000,000 published A100-40GB hours
    assert str(r["deciding"]).startswith("needs 11.43 USD per A100-40GB-hour; the dearest observed price is")
    assert "falcon-180b" in str(r["source"]) and "huggingface.co/blog/falcon-180b" in str(r["source"])
    assert "25.0%" in str(r["tolerance"])


def test_bloom_gpu_hours_match_the_published_figure(capsys: pytest.CaptureFixture[str]) -> None:
    r = verdict_of(capsys, "--model", "bloom", "--claim", "gpu-hours = 1082990")
    assert r["verdict"] == "consistent"
    assert "1,082,990 GPU-h" in str(r["deciding"]) and "0.5%" in str(r["tolerance"])


def test_llama_2_70b_at_500k_gpu_hours_is_inconsistent(capsys: pytest.CaptureFixture[str]) -> None:
    r = verdict_of(capsys, "--model", "llama-2-70b", "--claim", "gpu-hours = 500000")
    assert r["verdict"] == "inconsistent"
    assert "the figure 1,720,320 GPU-h against the claimed 500,000 GPU-h" in str(r["deciding"])


def test_a_70b_model_for_100k_dollars_is_implausible(capsys: pytest.CaptureFixture[str]) -> None:
    r = verdict_of(capsys, "--params", "70e9", "--tokens", "2e12", "--gpu", "a100", "--claim", "cost = 100k USD")
    assert r["verdict"] == "implausible"
    assert "costcalc's P10" in str(r["deciding"]) and "efficiency" in str(r["source"]) and "price" in str(r["source"])


# -- the arithmetic ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relation", "value", "low", "high", "tol", "expected"),
    [
        ("=", 100, 100, 100, 0.005, "proven"),
        ("=", 100.4, 100, 100, 0.005, "proven"),
        ("=", 101, 100, 100, 0.005, "refuted"),
        ("=", 20, 9, 28.7, 0.25, "possible"),
        ("=", 36, 9, 28.7, 0.25, "refuted"),  # above 28.7 x 1.25 = 35.9
        ("~", 20, 18, 22, 0.25, "proven"),
        (">", 80, 9, 28.7, 0.25, "refuted"),  # Falcon: even the dearest price with slack is $35.9M
        (">", 8, 9, 28.7, 0.25, "proven"),
        (">", 20, 9, 28.7, 0.25, "possible"),
        (">", 100, 100, 100, 0.0, "refuted"),
        (">=", 100, 100, 100, 0.0, "proven"),
        ("<", 7.2, 9, 28.7, 0.25, "refuted"),  # 9 / 1.25 = 7.2
        ("<=", 7.2, 9, 28.7, 0.25, "possible"),
        ("<", 30, 9, 28.7, 0.25, "proven"),
    ],
)
def test_judge(relation: str, value: float, low: float, high: float, tol: float, expected: str) -> None:
    assert judge(relation, value, low, high, tol) == expected


def _quantity(quantity: str, relation: str, value: str, subject: dict[str, object], **extra: object) -> Claim:
    check = {"kind": "quantity", "quantity": quantity, "relation": relation, "value": value, "subject": subject}
    return Claim(id="X", model="m", claim="c", check={**check, **extra})


def verdict(catalog: Catalog, *args: object, **extra: object) -> str:
    quantity, relation, value, subject = args
    claim = _quantity(str(quantity), str(relation), str(value), dict(subject), **extra)  # type: ignore[call-overload]
    return check_claim(claim, catalog).verdict


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def test_published_figures_decide_with_the_match_tolerance_and_tilde_widens_it(catalog: Catalog) -> None:
    bloom = {"model": "bloom"}
    assert verdict(catalog, "gpu-hours", "=", "1.09M", bloom) == "inconsistent"  # +0.6%: beyond 0.5%
    assert verdict(catalog, "gpu-hours", "~", "1.1M", bloom) == "consistent"  # within 25%
    assert verdict(catalog, "gpu-hours", "=", "1.1M", bloom, tolerance=0.05) == "consistent"
    assert verdict(catalog, "gpu-hours", ">", "1M", bloom) == "consistent"
    assert verdict(catalog, "gpu-hours", "<", "1M", bloom) == "inconsistent"
    assert verdict(catalog, "gpu-hours", ">", "1,082,990", bloom) == "unverifiable"  # too close to call
    assert verdict(catalog, "days", "=", "3.5 months", bloom) == "consistent"  # 118.2 days, within 15%
    assert verdict(catalog, "energy", "=", "433 MWh", bloom) == "consistent"
    assert verdict(catalog, "gpus", "=", "384 GPUs", bloom) == "consistent"
    assert verdict(catalog, "tokens", "=", "366B", bloom) == "consistent"


def test_figures_derived_from_published_ones(catalog: Catalog) -> None:
    llama = {"model": "llama-2-70b", "gpus": 2000}
    assert verdict(catalog, "days", "<", "40 days", llama) == "consistent"  # 1,720,320 / 2000 = 35.8 days
    assert verdict(catalog, "days", "=", "60 days", llama) == "inconsistent"
    assert verdict(catalog, "cost", "=", "$5M", {"model": "llama-2-70b"}) == "consistent"  # 2.91 USD/GPU-h
    assert verdict(catalog, "cost", "=", "$5M", {"model": "llama-2-70b", "price": 1}) == "implausible"
    assert verdict(catalog, "flops", ">", "1e25", {"model": "llama-3.1-405b"}) == "consistent"
    assert verdict(catalog, "flops", ">", "1e25", {"model": "falcon-180b"}) == "inconsistent"
    assert verdict(catalog, "params", "=", "180B", {"model": "falcon-180b"}) == "consistent"


def test_without_a_published_run_the_range_decides(catalog: Catalog) -> None:
    subject = {"params": "70B", "tokens": "2T", "gpus": 2000}
    assert verdict(catalog, "gpu-hours", "=", "500000", subject) == "implausible"  # needs MFU near 150%
    assert verdict(catalog, "days", "=", "1 day", subject) == "implausible"
    assert verdict(catalog, "days", ">", "1 day", subject) == "unverifiable"  # plausible, not published
    assert verdict(catalog, "gpus", "=", "2000", subject) == "consistent"  # as given
    assert verdict(catalog, "days", "<", "1 year", {"params": "70B"}) == "unverifiable"  # no GPU count
    # the same model on other hardware than its published run: costcalc's range, not the run, decides
    # (the H100 range, 0.53M to 1.53M GPU-h with its 25% tolerance, holds the A100 figure; it refutes 4M)
    assert verdict(catalog, "gpu-hours", "=", "1720320", {"model": "llama-2-70b", "gpu": "h100"}) == "unverifiable"
    assert verdict(catalog, "gpu-hours", "=", "4000000", {"model": "llama-2-70b", "gpu": "h100"}) == "implausible"
    other = check_claim(_quantity("gpu-hours", "=", "1720320", {"model": "llama-2-70b", "gpu": "h100"}), catalog)
    assert "run llama2-70b ran on A100-80GB, not H100-SXM" in other.reason


RUN = """
[[model]]
name = "Toy-7B"
params = 7e9
tokens = "1T"

[[run]]
id = "toy"
name = "Toy-7B"
developer = "x"
family = "toy"
model = "Toy-7B"
params = 7e9
tokens = "1T"
accelerator = "A100-80GB"
hardware = "A100"
gpus = 64
gpu_hours = 100000
reliability = "B"
flags = ["upper_bound"]
source = "a test"
quote = "less than 100,000 GPU-hours"
"""


def test_an_upper_bound_counts_as_a_bound(user_presets: Path) -> None:
    (user_presets / "toy.toml").write_text(RUN)
    catalog = Catalog.load([user_presets])
    toy = {"model": "toy-7b"}
    assert verdict(catalog, "gpu-hours", "<", "200000", toy) == "consistent"  # below the bound
    assert verdict(catalog, "gpu-hours", "=", "50000", toy) == "unverifiable"  # the bound does not decide
    assert verdict(catalog, "gpu-hours", ">", "200000", toy) == "inconsistent"
    result = check_claim(_quantity("gpu-hours", "=", "50000", toy), catalog)
    assert "upper bound" in result.source_value and "toy" in result.source


# -- one-line claims ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "quantity", "relation", "value"),
    [
        ("cost > 80M USD", "cost", ">", 80e6),
        ("cost>$80M", "cost", ">", 80e6),
        ("GPU hours ≈ 1,082,990", "gpu-hours", "~", 1_082_990),
        ("days == 3.5 months", "days", "=", 3.5 * 365.25 / 12),
        ("gpus >= 2000 GPUs", "gpus", ">=", 2000),
        ("Energy <= 1.4 GWh", "energy", "<=", 1400),
        ("co2 < 25 tCO2e", "co2", "<", 25),
    ],
)
def test_one_line_claims_parse(line: str, quantity: str, relation: str, value: float) -> None:
    claim = parse_claim(line, {"model": "bloom"})
    check = claim.check
    assert check.kind == "quantity"
    assert (check.quantity, check.relation) == (quantity, relation)
    assert check.value == pytest.approx(value)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("cost >", "expected '<quantity> <relation> <value>'"),
        ("cost 80M", "expected '<quantity> <relation> <value>'"),
        ("price > 2", "unknown quantity 'price'"),
        ("cost > 80 kg", "expected an amount of money"),
        ("cost > -5", "expected a value >= 0"),
        ("cost > 9**9**9", "chained exponents"),
        ("cost > 1\nflops > 2", "on one line"),
        ("x" * 500, "too long"),
        ("cost > 80M; rm -rf /", "unexpected character"),
    ],
)
def test_bad_one_line_claims_name_the_claim(line: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_claim(line, {"model": "bloom"})
    assert err.value.field == "claim" and message in err.value.message


def test_cli_errors_are_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv, starts in [
        (["--model", "bloom", "--claim", "cost >"], "costcalc check: error: --claim: expected"),
        (["--claim", "cost > 1"], "costcalc check: error: --claim: needs a subject"),
        (["--model", "bloom"], "costcalc check: error: --model: describes the subject"),
        (["--model", "blom", "--claim", "cost > 1"], "costcalc check: error: --model: unknown model preset"),
        (["--params", "70 kg", "--claim", "cost > 1"], "costcalc check: error: --params: expected a parameter"),
    ]:
        code, out, err = run(capsys, "check", *argv)
        assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith(starts), (argv, err)


def test_repeated_claims_and_their_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--model", "llama-3.1-405b", "--claim", "flops > 1e25", "--claim",
                       "gpu-hours ~ 30M", "--format", "json")  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert [r["id"] for r in data] == ["C1", "C2"]
    assert [r["verdict"] for r in data] == ["consistent", "consistent"]
    for r in data:
        assert {"id", "claim", "verdict", "reason", "deciding", "tolerance", "source", "thresholds"} <= set(r)
        assert next(t for t in r["thresholds"] if t["flop"] == 1e25)["crossed"] is True


# -- claim files and the template ----------------------------------------------------------------


def test_the_template_round_trips(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, template, _ = run(capsys, "check", "--template")
    assert code == 0 and template.startswith("# A costcalc claims file")
    path = tmp_path / "f.toml"
    path.write_text(template, encoding="utf-8")
    code, out, err = run(capsys, "check", str(path), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert [r["id"] for r in data] == ["C1", "C2", "C3", "C4"]
    assert data[0]["verdict"] == "implausible"  # Falcon-180B over $80M


def test_a_claims_file_and_one_line_claims_together(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "f.toml"
    path.write_text(
        "[[claim]]\nid = 'F'\nmodel = 'BLOOM'\nclaim = 'BLOOM took 1,082,990 GPU-hours'\n"
        "[claim.check]\nkind = 'quantity'\nquantity = 'gpu-hours'\nrelation = '='\nvalue = 1082990\n"
        "[claim.check.subject]\nmodel = 'bloom'\n"
    )
    code, out, _ = run(capsys, "check", str(path), "--model", "falcon-180b", "--claim", "tokens = 3.5T")
    assert code == 0
    # The heading wraps at the terminal's width (a path longer than a line is cut), wherever tmp_path is.
    joined = "".join(out.split())
    assert f"Claimsof{path};" in joined and "Claimsabout--modelfalcon-180b" in joined
    assert "2 consistent" in out


@pytest.mark.parametrize(
    ("content", "field", "message"),
    [
        ("", "claim", "no [[claim]] tables"),
        ("[[model]]\nname = 'm'\nparams = 1e9\n", "model", "only [[claim]] tables"),
        ("[[claim]]\nid = 'C1'\n", "claim[0] (C1).model", "required"),
        (
            "[[claim]]\nid='C1'\nmodel='m'\nclaim='c'\n[claim.check]\nkind='quantity'\nquantity='cost'\n"
            "relation='>'\nvalue='80 kg'\n[claim.check.subject]\nmodel='bloom'\n",
            "claim[0] (C1).check.quantity.value",
            "expected an amount of money",
        ),
        (
            "[[claim]]\nid='C1'\nmodel='m'\nclaim='c'\n[claim.check]\nkind='quantity'\nquantity='cost'\n"
            "relation='>'\nvalue=1\n[claim.check.subject]\nmodel='bloom'\ngpu='h10'\n",
            "claim[0] (C1).check.subject.gpu",
            "unknown accelerator",
        ),
        (
            "[[claim]]\nid='C1'\nmodel='m'\nclaim='c'\n[claim.check]\nkind='quantity'\nquantity='cost'\n"
            "relation='>'\nvalue=1\n[claim.check.subject]\nmodel='bloom'\ncolour='red'\n",
            "claim[0] (C1).check.subject.colour",
            "not a known field",
        ),
        (
            "[[claim]]\nid='C1'\nmodel='m'\nclaim='c'\n[claim.check]\nkind='quantity'\nquantity='cost'\n"
            "relation='>'\nvalue=1\n[claim.check.subject]\nmodel='nope-1b'\n",
            "claim[0] (C1).check.subject.model",
            "unknown model preset",
        ),
    ],
)
def test_bad_claims_files_name_file_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, field: str, message: str
) -> None:
    path = tmp_path / "claims.toml"
    path.write_text(content)
    code, out, err = run(capsys, "check", str(path))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"costcalc check: error: {path}: {field}: ") and message in err, err


def test_claims_files_are_regular_files_of_bounded_size(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_text("#" * (MAX_CLAIMS_FILE_BYTES + 1))
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)  # never opened for writing: reading it must not block
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe")
    for path, message in [
        (big, "claims file is too large"),
        (fifo, "claims file is a FIFO (named pipe), not a regular file"),
        (tmp_path, "claims file is a folder, not a regular file"),
        (tmp_path / "missing.toml", "claims file cannot be read"),
        (binary, "claims file is not UTF-8 text"),
    ]:
        code, _, err = run(capsys, "check", str(path))
        assert code == 2 and err.count("\n") == 1 and f"{path}: {message}" in err, err


def test_markdown_is_a_paste_ready_claim_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--model", "falcon-180b", "--claim", "cost > $80M", "--format", "markdown")
    assert code == 0
    lines = out.splitlines()
    header = lines.index("| id | claim | verdict | deciding number | source |")
    row = lines[header + 2]
    assert row.startswith("| C1 | falcon-180b: cost > $80M | **implausible** | needs 11.43 USD per A100-40GB-hour")
    assert "falcon-180b" in row.split(" | ")[-1]
    assert any(line.startswith("- **C1** (implausible): ") and "Tolerance: 25.0%" in line for line in lines)


def test_the_article_markdown_quotes_the_article(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--format", "markdown")
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("| F3b* |") or line.startswith("| F3b |"))
    assert "估计超过8000万美元" in row and "**implausible**" in row and "needs 11.43 USD per A100-40GB-hour" in row

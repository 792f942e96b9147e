"""Claims files and one-line claims at their bounds: non-finite numbers, malformed tables, deep configs.

Each is one line on standard error naming the file (or option) and the field, and exit code 2.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from costcalc.cli import main

HEAD = '[[claim]]\nid="C1"\nmodel="m"\nclaim="c"\n[claim.check]\n'
QUANTITY = 'kind="quantity"\nquantity="cost"\nrelation=">"\nvalue=1\n'
RATIO = 'kind="ratio"\nnumerator="falcon-180b"\ndenominator="llama-2-70b"\nnumerator_gpu_hours=1\n'


def error_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    try:
        code = main(["check", *argv])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize(
    ("check", "field", "message"),
    [
        ('kind="match"\narticle=nan\nsource=nan\n', "check.match.article", "expected a finite number"),
        ('kind="match"\narticle=1\nsource=[1, inf]\n', "check.match.source", "got inf"),
        ('kind="match"\narticle=-inf\n', "check.match.article", "got -inf"),
        ('kind="match"\narticle=1\ntolerance=nan\n', "check.match.tolerance", "finite number"),
        ('kind="match"\narticle=1\nproducts=[[1]]\n', "check.match.products", "item 0: expected [a, b, a x b]"),
        ('kind="match"\narticle=1\nproducts=[[1, 2, 2, 4]]\n', "check.match.products", "three numbers"),
        ('kind="match"\narticle=1\nproducts=[[1, 2, nan]]\n', "check.match.products.0.2", "finite number"),
        (RATIO + "claimed=inf\ndenominator_gpu_hours=1\n", "check.ratio.claimed", "finite number"),
        (QUANTITY.replace("value=1", "value=nan") + 'subject={model="bloom"}\n', "check.quantity.value", "finite"),
        (QUANTITY + 'subject={model="bloom", gpus=inf}\n', "check.quantity.subject", "gpus: expected a finite"),
        (
            'kind="benchmark"\nsubject="F"\nrequire="all"\nscores=[{benchmark="M", subject=nan, others={A=1.0}}]\n',
            "check.benchmark.scores.0.subject",
            "finite number",
        ),
        (
            'kind="feasibility"\nmodels=["bloom"]\ngpu="a100"\ngpus=8\nmax_days=inf\n',
            "check.feasibility.max_days",
            "finite",
        ),
    ],
)
def test_non_finite_and_malformed_numbers_name_file_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, check: str, field: str, message: str
) -> None:
    path = tmp_path / "claims.toml"
    path.write_text(HEAD + check)
    err = error_of(capsys, str(path))
    assert err.startswith(f"costcalc check: error: {path}: claim[0] (C1).{field}: ") and message in err, err


def test_a_deep_config_through_a_claims_file_names_file_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "config.json"
    config.write_text("[" * 100_000 + "]" * 100_000)
    path = tmp_path / "claims.toml"
    path.write_text(HEAD + QUANTITY + f'subject={{config_file="{config}", tokens="1T"}}\n')
    err = error_of(capsys, str(path))
    assert f"{path}: claim[0] (C1).check.subject.config_file: {config}: nested too deeply to read" in err


LLAMA_7B = (
    '{"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32, '
    '"intermediate_size": 11008, "vocab_size": 32000}'
)


def test_a_model_config_or_a_shape_is_a_subject_for_claims(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(LLAMA_7B)
    claim = ["--claim", "params ~ 6.7B", "--format", "json"]
    assert main(["check", "--model-config", str(config), "--tokens", "1T", *claim]) == 0
    out = capsys.readouterr().out
    assert '"verdict": "consistent"' in out and f"config_file {config}" in out
    shape = ["--layers", "32", "--hidden", "4096", "--heads", "32", "--vocab", "32000", "--tokens", "1T"]
    assert main(["check", *shape, *claim]) == 0
    assert '"verdict": "consistent"' in capsys.readouterr().out
    main(["check", "--model-config", str(config), "--tokens", "1T", "--claim", "params ~ 6.7B", "--format", "markdown"])
    title = capsys.readouterr().out.splitlines()[0]  # the subject as it was typed
    assert f"--model-config {config}" in title and "--config-file" not in title
    err = error_of(capsys, "--gpus", "8", "--claim", "cost > 1M USD")
    assert "--claim: needs a subject: --model (a preset), --model-config (a config.json)" in err

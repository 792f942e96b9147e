"""Preset files: built-ins complete and sourced, names forgiving, user files checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from costcalc.base.errors import InputError, PresetError
from costcalc.data.catalog import Catalog, builtin_presets_dir, normalize_name

REQUIRED_ACCELERATORS = [
    "V100-16GB",
    "V100-32GB",
    "A100-40GB",
    "A100-80GB",
    "A100-PCIe-80GB",
    "A800-80GB",
    "H100-SXM",
    "H100-PCIe",
    "H800",
    "H200",
    "B200",
    "MI300X",
    "TPU-v3",
    "TPU-v4",
    "TPU-v5p",
]
REQUIRED_MODELS = [
    "LLaMA-2-7B",
    "LLaMA-2-13B",
    "LLaMA-2-34B",
    "LLaMA-2-70B",
    "Baichuan-2-7B",
    "Baichuan-2-13B",
    "Falcon-180B",
    "BLOOM-176B",
]


@pytest.fixture
def catalog() -> Catalog:
    return Catalog.load()


def test_required_presets_exist_and_validate_with_sources(catalog: Catalog) -> None:
    assert set(REQUIRED_ACCELERATORS) <= set(catalog.names("accelerator"))
    assert {"DGX-A100", "DGX-H100"} <= set(catalog.names("node"))
    assert set(REQUIRED_MODELS) <= set(catalog.names("model"))
    for kind in ("accelerator", "node", "model"):
        for spec in catalog.all(kind):
            assert spec.missing_sources() == [], spec.name


def test_every_required_model_has_an_architecture(catalog: Catalog) -> None:
    for name in REQUIRED_MODELS:
        spec = catalog.model(name)
        assert spec.has_architecture and spec.seq_len and spec.tokens is not None, name


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("a100", "A100-80GB"),
        ("A100", "A100-80GB"),
        ("A100-80GB", "A100-80GB"),
        ("a100_sxm4_80gb", "A100-80GB"),
        ("  a800 ", "A800-80GB"),
        ("h100", "H100-SXM"),
        ("TPU v4", "TPU-v4"),
        ("dgx a100", "DGX-A100"),
        ("DGX-H100", "DGX-H100"),
    ],
)
def test_hardware_names_are_forgiving(catalog: Catalog, typed: str, expected: str) -> None:
    assert catalog.hardware(typed).name == expected


def test_dense_peaks_not_sparse(catalog: Catalog) -> None:
    """hardware.md §2: datasheets print sparse figures, exactly 2x dense. The presets hold dense."""
    assert catalog.accelerator("a100").peak["bf16"].m_as("TFLOP/s") == 312
    assert catalog.accelerator("h100").peak["bf16"].m_as("TFLOP/s") == 989
    assert catalog.accelerator("mi300x").peak["bf16"].m_as("TFLOP/s") == pytest.approx(1307.4)
    assert catalog.accelerator("b200").peak["bf16"].m_as("TFLOP/s") == 2250


def test_a800_is_an_a100_with_slower_nvlink(catalog: Catalog) -> None:
    a100, a800 = catalog.accelerator("a100"), catalog.accelerator("a800")
    assert a800.peak == a100.peak
    assert a800.interconnect.m_as("GB/s") == 400 < a100.interconnect.m_as("GB/s") == 600


def test_unknown_name_suggests(catalog: Catalog) -> None:
    with pytest.raises(InputError) as err:
        catalog.hardware("h10")
    assert err.value.field == "gpu"
    assert "did you mean" in err.value.message and "H100" in err.value.message
    with pytest.raises(InputError, match=r"did you mean .*LLaMA-2-70B"):
        catalog.model("llama-2-7ob")


def test_normalize_name() -> None:
    assert normalize_name("  TPU  v4 ") == "tpu-v4"
    assert normalize_name("a100_sxm") == "a100-sxm"


def test_builtin_folder_is_found() -> None:
    assert (builtin_presets_dir() / "accelerators.toml").is_file()


GOOD_ACCELERATOR = """
[[accelerator]]
name = "MyChip"
aliases = ["mine"]
vendor = "Me"
generation = "custom"
memory = "64 GB"
memory_bandwidth = "1 TB/s"
tdp = "300 W"
[accelerator.peak]
bf16 = "100 TFLOP/s"
"""


def test_user_preset_is_found_and_overrides(user_presets: Path) -> None:
    (user_presets / "mine.toml").write_text(
        GOOD_ACCELERATOR + GOOD_ACCELERATOR.replace("MyChip", "A100-80GB").replace('"mine"', '"a100"')
    )
    catalog = Catalog.load([user_presets])
    assert catalog.hardware("mine").peak["bf16"].m_as("TFLOP/s") == 100
    assert catalog.accelerator("a100").vendor == "Me"  # the user's file replaces the built-in


def test_origin_names_the_user_file_and_parses_no_built_in_file_to_say_none(user_presets: Path) -> None:
    """A kind no user file holds is answered without parsing the built-in files of that kind (a
    pre-training estimate from a parameter count never reads the model presets)."""
    (user_presets / "mine.toml").write_text(GOOD_ACCELERATOR)
    catalog = Catalog.load([user_presets])
    assert catalog.origin("accelerator", "mychip") == user_presets / "mine.toml"
    assert catalog.origin("accelerator", "A100-80GB") is None  # built-in
    assert catalog.origin("model", "llama-2-70b") is None and catalog.origin("model", "70B standard shape") is None
    models = [f for f in catalog.files if f.builtin and "model" in f.kinds]
    assert models and all(f._entries is None for f in models)
    catalog.model("llama-2-70b")  # the probe sees a parse
    assert any(f._entries is not None for f in models)


def test_user_presets_from_environment(user_presets: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (user_presets / "mine.toml").write_text(GOOD_ACCELERATOR)
    monkeypatch.setenv("COSTCALC_PRESETS", str(user_presets))
    assert Catalog.load().hardware("MyChip").name == "MyChip"


@pytest.mark.parametrize(
    ("content", "field", "message"),
    [
        ("[[accelerator]\nname=", "toml", "not valid TOML"),
        ("[[gadget]]\nname = 'x'\n", "gadget", "unknown table"),
        ("accelerator = 3\n", "accelerator", "array of tables"),
        (
            GOOD_ACCELERATOR.replace('memory = "64 GB"\n', ""),
            "accelerator[0] (MyChip).memory",
            "required",
        ),
        (
            GOOD_ACCELERATOR.replace('"64 GB"', '"64 kg"'),
            "accelerator[0] (MyChip).memory",
            "memory size",
        ),
        (GOOD_ACCELERATOR.replace('"64 GB"', '"-64 GB"'), "accelerator[0] (MyChip).memory", "> 0"),
        (GOOD_ACCELERATOR.replace('"300 W"', "true"), "accelerator[0] (MyChip).tdp", "boolean"),
        (
            GOOD_ACCELERATOR.replace('vendor = "Me"', 'vendor = "Me"\ncolour = "red"'),
            "accelerator[0] (MyChip).colour",
            "not a known field",
        ),
        (GOOD_ACCELERATOR.replace('bf16 = "100 TFLOP/s"', 'fp64 = "1 TFLOP/s"'), "peak.fp64", ""),
        (
            GOOD_ACCELERATOR + GOOD_ACCELERATOR.replace('name = "MyChip"', 'name = "Other"'),
            "accelerator[1] (Other).name",
            "defined twice",
        ),
        ("[[model]]\nname = 'm'\nparams = 'lots'\n", "model[0] (m).params", "expected a number"),
        (
            "[[node]]\nname = 'n'\naccelerator = 'a100'\ncount = 0\npower = '1 kW'\n",
            "node[0] (n).count",
            "greater than 0",
        ),
    ],
)
def test_malformed_user_file_names_file_and_field(user_presets: Path, content: str, field: str, message: str) -> None:
    path = user_presets / "bad.toml"
    path.write_text(content)
    with pytest.raises(PresetError) as err:
        Catalog.load([user_presets])
    assert err.value.path == str(path)
    assert field in err.value.field
    assert message in err.value.message
    assert str(err.value).startswith(str(path))


def test_missing_preset_folder(tmp_path: Path) -> None:
    with pytest.raises(PresetError, match="is not a folder"):
        Catalog.load([tmp_path / "nope"])

"""A model's shape from a local Hugging Face ``config.json``: no network, no code, one file.

Reads the field names of the Llama, Mistral, Mixtral, Qwen2, GPT-NeoX, Falcon, DeepSeek-V3 and
GPT-2 configurations into a ``ModelSpec`` whose parameter count is computed from the shape
(``costcalc.formulas.flops.parameter_count``). The file is read by ``costcalc.base.files.read_text``
(a regular file of at most ``MAX_CONFIG_BYTES``); anything malformed, a control character in any
key or string included, is one ``InputError`` naming the file and the field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from costcalc.base.display import said
from costcalc.base.errors import FileError, InputError, one_line
from costcalc.base.files import read_text
from costcalc.base.text import control_character, no_control_message
from costcalc.base.units import Q_
from costcalc.formulas.flops import parameter_count
from costcalc.formulas.shapes import DEFAULT_TRAINING_SEQ_LEN
from costcalc.schemas import ModelSpec
from costcalc.schemas.bounds import SHAPE_LIMITS

__all__ = ["FAMILIES", "MAX_CONFIG_BYTES", "read_model_config", "spec_from_config"]

#: A config.json is a few kilobytes; anything larger is not one.
MAX_CONFIG_BYTES = 1_000_000
FAMILIES = ("llama", "mistral", "mixtral", "qwen2", "gpt_neox", "falcon", "deepseek_v3", "gpt2")
_FIELD = "config_file"


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def read_model_config(path: str | Path, seq_len: int | None = None) -> ModelSpec:
    """The shape a local config.json describes; ``seq_len`` overrides the config's context length."""
    name = str(path)
    try:  # one reader for every file: regular files only, size-capped, never blocking
        text = read_text(name, max_bytes=MAX_CONFIG_BYTES, what="the config file")
    except FileError as err:
        raise InputError(_FIELD, str(err)) from None
    try:
        data = json.loads(text, parse_constant=_no_constants)
    except ValueError as err:
        raise InputError(_FIELD, f"{name}: not valid JSON ({err})") from None
    except RecursionError:
        raise InputError(_FIELD, f"{name}: nested too deeply to read (a config.json is a flat object)") from None
    if not isinstance(data, dict):
        raise InputError(_FIELD, f"{name}: expected a JSON object of configuration fields")
    try:
        found = control_character(data)
    except RecursionError:
        raise InputError(_FIELD, f"{name}: nested too deeply to read") from None
    if found is not None:
        raise InputError(_FIELD, f"{name}: {found[0]}: {no_control_message(found[1])}")
    return spec_from_config(data, name, seq_len)


class _Config:
    """Typed reads of one config's fields; each error names the file and the field."""

    def __init__(self, data: dict[str, Any], name: str) -> None:
        self.data, self.name = data, name
        self.used: dict[str, str] = {}  # ModelSpec field -> config key it came from

    def error(self, key: str, message: str) -> InputError:
        return InputError(_FIELD, f"{self.name}: {key}: {message}")

    def count(self, spec_field: str, *keys: str, default: int | None = None, required: bool = True) -> int | None:
        """The first of ``keys`` present, as a positive whole number within the field's bound
        (``costcalc.schemas.bounds``, the same as the options'); JSON ``null`` reads as absent."""
        limit = SHAPE_LIMITS.get(spec_field, SHAPE_LIMITS["seq_len"])
        for key in keys:
            value = self.data.get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= limit:
                raise self.error(key, f"expected a whole number from 1 to {limit:,}, got {json.dumps(value)[:40]}")
            self.used[spec_field] = key
            return value
        if default is None and required:
            raise self.error(keys[0], "is required but missing")
        return default

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {json.dumps(value)[:40]}")
        return value

    def family(self) -> str:
        kind = self.data.get("model_type")
        aliases = {"RefinedWeb": "falcon", "RefinedWebModel": "falcon"}
        if kind is None:
            kind = "gpt2" if "n_embd" in self.data else "deepseek_v3" if "kv_lora_rank" in self.data else "llama"
        if not isinstance(kind, str) or aliases.get(kind, kind) not in FAMILIES:
            raise self.error("model_type", f"{json.dumps(kind)[:40]} is not one of {', '.join(FAMILIES)}")
        return aliases.get(kind, kind)

    def context(self) -> tuple[int | None, int | None, str]:
        """The training length, the longest context, and where the training length came from.

        The longest context is ``max_position_embeddings`` (or its GPT-2 and MPT names): what the
        model supports after any long-context stage. The training length is rope scaling's
        ``original_max_position_embeddings`` when the config states it (the pre-training context
        before the extension), else ``DEFAULT_TRAINING_SEQ_LEN`` (at most the context).
        """
        longest = self.count("max_seq_len", "max_position_embeddings", "n_positions", "max_seq_len", required=False)
        scaling = self.data.get("rope_scaling")
        if isinstance(scaling, dict) and scaling.get("original_max_position_embeddings") is not None:
            reader = _Config(scaling, f"{self.name}: rope_scaling")
            original = reader.count("seq_len", "original_max_position_embeddings")
            return original, longest, "rope_scaling's original_max_position_embeddings (the pre-training context)"
        if longest is not None and longest < DEFAULT_TRAINING_SEQ_LEN:
            return longest, longest, f"the config's context, {self.used['max_seq_len']}"
        basis = said("config.default_length", key=self.used.get("max_seq_len"), longest=longest)
        return DEFAULT_TRAINING_SEQ_LEN, longest, basis

    def window(self) -> int | None:
        """Mistral's ``sliding_window`` (Qwen2 states one too, off unless ``use_sliding_window``)."""
        if not self.flag("use_sliding_window", True):
            return None
        return self.count("sliding_window", "sliding_window", required=False)


def _llama_like(c: _Config, family: str) -> dict[str, Any]:
    """Llama, Mistral, Mixtral and Qwen2: gated (SwiGLU) MLP, RMSNorm, untied unless stated."""
    layers, hidden = c.count("layers", "num_hidden_layers"), c.count("hidden", "hidden_size")
    heads = c.count("heads", "num_attention_heads")
    shape: dict[str, Any] = {
        "layers": layers,
        "hidden": hidden,
        "heads": heads,
        "kv_heads": c.count("kv_heads", "num_key_value_heads", default=heads),
        "head_dim": c.count("head_dim", "head_dim", required=False),
        "ffn": c.count("ffn", "intermediate_size"),
        "mlp": "gated",
        "vocab": c.count("vocab", "vocab_size"),
        "tied_embeddings": c.flag("tie_word_embeddings", False),
        "qkv_bias": family == "qwen2" or c.flag("attention_bias", False),
    }
    experts = c.count("experts", "num_local_experts", required=False)
    if experts is not None:
        shape.update(experts=experts, experts_per_token=c.count("experts_per_token", "num_experts_per_tok"))
        shape["expert_ffn"] = shape["ffn"]
    return shape


def _gpt_neox(c: _Config) -> dict[str, Any]:
    """GPT-NeoX: plain GELU MLP, LayerNorms with bias, biases on every linear layer, untied."""
    return {
        "layers": c.count("layers", "num_hidden_layers"),
        "hidden": c.count("hidden", "hidden_size"),
        "heads": c.count("heads", "num_attention_heads"),
        "ffn": c.count("ffn", "intermediate_size"),
        "mlp": "plain",
        "vocab": c.count("vocab", "vocab_size"),
        "tied_embeddings": c.flag("tie_word_embeddings", False),
        "norm": "layernorm",
        "linear_bias": c.flag("attention_bias", True),
    }


def _falcon(c: _Config) -> dict[str, Any]:
    """Falcon: multi-query (7B) or grouped (40B/180B, new decoder) attention, GELU MLP, tied."""
    heads = c.count("heads", "num_attention_heads", "n_head")
    hidden = c.count("hidden", "hidden_size")
    assert hidden is not None
    new = c.flag("new_decoder_architecture", False)
    kv = c.count("kv_heads", "num_kv_heads", "n_head_kv", default=heads) if new else None
    if not new:
        kv = 1 if c.flag("multi_query", True) else heads
    one_norm = not new and c.flag("parallel_attn", True)
    return {
        "layers": c.count("layers", "num_hidden_layers", "n_layer"),
        "hidden": hidden,
        "heads": heads,
        "kv_heads": kv,
        "ffn": c.count("ffn", "ffn_hidden_size", default=4 * hidden),
        "mlp": "plain",
        "vocab": c.count("vocab", "vocab_size"),
        "tied_embeddings": c.flag("tie_word_embeddings", True),
        "norm": "layernorm",
        "norms_per_layer": 1 if one_norm else 2,
        "linear_bias": c.flag("bias", False),
    }


def _deepseek_v3(c: _Config) -> dict[str, Any]:
    """DeepSeek-V3: multi-head latent attention, dense first layers, shared and routed experts."""
    return {
        "layers": c.count("layers", "num_hidden_layers"),
        "hidden": c.count("hidden", "hidden_size"),
        "heads": c.count("heads", "num_attention_heads"),
        "head_dim": c.count("head_dim", "qk_nope_head_dim"),
        "qk_rope_head_dim": c.count("qk_rope_head_dim", "qk_rope_head_dim"),
        "v_head_dim": c.count("v_head_dim", "v_head_dim"),
        "kv_lora_rank": c.count("kv_lora_rank", "kv_lora_rank"),
        "q_lora_rank": c.count("q_lora_rank", "q_lora_rank", required=False),
        "ffn": c.count("ffn", "intermediate_size"),
        "mlp": "gated",
        "vocab": c.count("vocab", "vocab_size"),
        "experts": c.count("experts", "n_routed_experts"),
        "experts_per_token": c.count("experts_per_token", "num_experts_per_tok"),
        "shared_experts": c.count("shared_experts", "n_shared_experts", default=0, required=False),
        "expert_ffn": c.count("expert_ffn", "moe_intermediate_size"),
        "dense_layers": c.count("dense_layers", "first_k_dense_replace", default=0, required=False),
        "router_bias": c.data.get("topk_method") == "noaux_tc",
        "tied_embeddings": c.flag("tie_word_embeddings", False),
    }


def _gpt2(c: _Config) -> dict[str, Any]:
    """GPT-2: learned positions, LayerNorms and linear layers with bias, GELU MLP of 4d, tied."""
    hidden = c.count("hidden", "n_embd")
    assert hidden is not None
    positions = c.count("learned_positions", "n_positions", default=1024)
    return {
        "layers": c.count("layers", "n_layer"),
        "hidden": hidden,
        "heads": c.count("heads", "n_head"),
        "ffn": c.count("ffn", "n_inner", default=4 * hidden),
        "mlp": "plain",
        "vocab": c.count("vocab", "vocab_size"),
        "tied_embeddings": c.flag("tie_word_embeddings", True),
        "norm": "layernorm",
        "linear_bias": True,
        "learned_positions": positions,
    }


def spec_from_config(data: dict[str, Any], name: str, seq_len: int | None = None) -> ModelSpec:
    """The ``ModelSpec`` of a parsed config.json (``name`` is shown in errors and as the model's name).

    ``seq_len`` (the training length) overrides the config's; it may not exceed the model's context.
    The spec's ``sources["seq_len"]`` says where the training length came from.
    """
    c = _Config(data, name)
    family = c.family()
    readers = {"gpt_neox": _gpt_neox, "falcon": _falcon, "deepseek_v3": _deepseek_v3, "gpt2": _gpt2}
    shape = readers[family](c) if family in readers else _llama_like(c, family)
    training, longest, basis = c.context()
    if seq_len is not None and longest is not None and seq_len > longest:
        raise InputError("seq_len", f"{seq_len:,} is longer than the context of {name}, {longest:,} tokens")
    if family in ("mistral", "mixtral", "qwen2"):
        shape["sliding_window"] = c.window()
    shape = {k: v for k, v in shape.items() if v is not None}
    shape.update(seq_len=seq_len or training, max_seq_len=longest)
    shown = one_line(name)  # the file's name becomes the model's: its control characters escaped
    label = f"{one_line(Path(name).name)} ({family})"
    source = {
        "params": f"computed from the shape in {shown}",
        "layers": f"{shown} ({family} field names)",
        "seq_len": "given" if seq_len else basis,
    }
    total = active = 0
    try:
        draft = ModelSpec(name=label, params=Q_(1.0, "parameter"), sources=source, **shape)
        total, active = parameter_count(draft), parameter_count(draft, active=True)
        updates = {"params": Q_(float(total), "parameter")}
        if draft.is_moe:
            updates["active_params"] = Q_(float(active), "parameter")
        return ModelSpec(**{**draft.model_dump(exclude={"params", "active_params"}), **updates})
    except ValidationError as err:
        first = err.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        if first["loc"] and first["loc"][0] in ("params", "active_params"):
            message = f"the shape gives {float(total if first['loc'][0] == 'params' else active):.3g}: {message}"
        # a check across fields names them in its message: report the longest one named, by its config key
        named = sorted((f for f in c.used if f in message), key=len, reverse=True)
        where = str(first["loc"][0]) if first["loc"] else (named[0] if named else "shape")
        raise c.error(c.used.get(where, where), message) from None

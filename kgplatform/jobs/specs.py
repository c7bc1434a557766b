"""A job's spec as JSON: one flat object, as the HTTP API, the CLI and a job record carry it.

``{"model": "complex", "relations": ["DIRECTED"], "epochs": 50, "top_k": 10, ...}``: the fields of
:class:`~kgplatform.completion.training.TrainConfig` and
:class:`~kgplatform.completion.pipeline.CompletionSpec` side by side. Every field is checked
here, before a job is recorded, so a bad spec is refused with the field and the reason instead
of failing later on a worker.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from kgplatform.completion.fitting import TEXT_MODELS
from kgplatform.completion.models import MODELS
from kgplatform.completion.pipeline import CompletionSpec
from kgplatform.completion.training import TrainConfig
from kgplatform.errors import InvalidInput
from kgplatform.names import check_label, check_name, check_relation

_TRAIN_FIELDS = typing.get_type_hints(TrainConfig)
_SPEC_FIELDS = {k: v for k, v in typing.get_type_hints(CompletionSpec).items() if k != "train"}
_TUPLES = ("relations", "labels", "seeds", "text_fields")
#: Numbers a job record and the trainer take as given: a JSON integer may have any number of digits.
_INT64 = 2**63


def spec_from_json(data: Any) -> CompletionSpec:
    """Build and validate a spec from a JSON object.

    Raises:
        InvalidInput: naming the first bad field (an unknown one included), its value and what was expected.
    """
    if not isinstance(data, Mapping):
        raise InvalidInput("spec", data, "a JSON object such as {\"model\": \"complex\", \"relations\": [\"R\"]}")
    unknown = sorted(set(data) - set(_TRAIN_FIELDS) - set(_SPEC_FIELDS))
    if unknown:
        raise InvalidInput(unknown[0], data[unknown[0]],
                           f"one of the spec fields {sorted(set(_TRAIN_FIELDS) | set(_SPEC_FIELDS))}")
    model = data.get("model", TrainConfig.model)
    if not isinstance(model, str) or (model not in MODELS and model not in TEXT_MODELS):
        raise InvalidInput("model", model, f"one of {sorted(set(MODELS) | TEXT_MODELS)}")
    train = {name: _typed(name, data[name], hint) for name, hint in _TRAIN_FIELDS.items() if name in data}
    rest: dict[str, Any] = {name: _names(name, data[name]) if name in _TUPLES else _typed(name, data[name], hint)
            for name, hint in _SPEC_FIELDS.items() if name in data}
    return CompletionSpec(train=TrainConfig(**train), **rest).validated()


def spec_to_json(spec: CompletionSpec) -> dict[str, Any]:
    """The flat JSON form (the inverse of :func:`spec_from_json`)."""
    flat = asdict(spec)
    train = flat.pop("train")
    return {**train, **{k: list(v) if k in _TUPLES else v for k, v in flat.items()}}


def queue_for(spec: CompletionSpec) -> str:
    """``gpu`` for a job that asks for CUDA, else ``cpu``."""
    return "gpu" if spec.train.device.startswith("cuda") else "cpu"


def _names(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(name, value, "a list of strings")
    check = {"relations": check_relation, "labels": check_label, "text_fields": check_name}.get(name)
    for item in value:
        if check is not None:
            check(item, name)
    return tuple(value)


def _typed(name: str, value: Any, hint: Any) -> Any:
    """Check ``value`` against a field's type hint (int, float, bool, str, Literal, Optional)."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    for option in options:
        if option is type(None) and value is None:
            return value
        if typing.get_origin(option) is typing.Literal and value in typing.get_args(option):
            return value
        if option is bool and isinstance(value, bool):
            return value
        if option is int and isinstance(value, int) and not isinstance(value, bool) and -_INT64 <= value < _INT64:
            return value
        if option is float and isinstance(value, int | float) and not isinstance(value, bool) \
                and (number := _finite(value)) is not None:
            return number
        if option is str and isinstance(value, str):
            return value
    expected = " or ".join(_describe(option) for option in options)
    raise InvalidInput(name, value, expected)


def _finite(value: int | float) -> float | None:
    """``value`` as a finite float; None for NaN, infinities and integers too large for a float."""
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _describe(option: Any) -> str:
    if typing.get_origin(option) is typing.Literal:
        return "one of " + ", ".join(repr(v) for v in typing.get_args(option))
    return {type(None): "null", bool: "true or false", int: "a 64-bit integer", float: "a finite number",
            str: "a string"}.get(option, str(option))

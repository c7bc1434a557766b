"""The job-spec parser, fed arbitrary JSON values and CLI option strings: a spec, or InvalidInput naming the field."""

from __future__ import annotations

from typing import Any

from hypothesis import event, example, given
from hypothesis import strategies as st

from tests.fuzz.conftest import fuzz_settings
from tests.fuzz.inputs import SPEC_FIELDS, cli_args, cli_spec, spec_inputs
from tests.fuzz.oracles import check_cli_spec, check_spec


@fuzz_settings(300)
@given(data=spec_inputs)
@example(data={"model": []})  # found: TypeError (unhashable), a 500 from POST /api/jobs
@example(data={"lr": 10**400})  # found: OverflowError converting to float
@example(data={"reg_weight": float("nan")})  # found: valid, then NaN in the record's JSON
@example(data={"seed": 2**64})  # found: valid, then torch.manual_seed overflowed on the worker
@example(data={"top_k": 10**30})
@example(data={"device": "cuda:"})  # found: valid, then torch.device refused it on the worker
def test_json_spec_is_valid_or_refused_naming_a_field(data: Any) -> None:
    event(check_spec(data))


@fuzz_settings(200)
@given(raw=st.dictionaries(st.sampled_from(SPEC_FIELDS), st.text(max_size=12), max_size=5))
def test_string_valued_spec_is_valid_or_refused(raw: dict[str, str]) -> None:
    """Values as a form or a shell gives them: strings, numbers where they parse as one."""
    event(check_spec(cli_spec(raw)))


@fuzz_settings(150)
@given(args=cli_args)
def test_cli_options_parse_to_a_spec_or_a_usage_error(args: list[str]) -> None:
    event(check_cli_spec(args))

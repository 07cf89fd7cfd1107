"""Chapter parameters are checked in the cell after the parameters cell (helpers.parameters).

The chapters' own parameter and check cells are executed here in a plain namespace (what
papermill does, without a kernel), with every parameter given a value of the wrong type, and
with a misspelt name; one chapter is also run end to end with papermill.
"""

from __future__ import annotations

import functools
import math

import nbformat
import pytest

from conftest import ROOT
from helpers import parameters as P
from helpers.notebooks import chapters

CHAPTERS = chapters(ROOT)


@functools.cache  # the committed notebooks do not change while the tests run (read once each)
def _cells(path):
    nb = nbformat.read(path, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    return nb.cells[index].source, nb.cells[index + 1].source


def _run(path, **overrides):
    parameters_cell, check_cell = _cells(path)
    namespace: dict = {}
    exec(parameters_cell, namespace)  # noqa: S102 - the chapter's own cells
    namespace.update(overrides)  # what papermill's injected cell does
    namespace.pop("__builtins__", None)
    exec(check_cell, namespace)  # noqa: S102
    return namespace


def _defaults(path) -> dict:
    namespace: dict = {}
    exec(_cells(path)[0], namespace)  # noqa: S102
    return {k: v for k, v in namespace.items() if not k.startswith("__")}


def _wrong(value):
    """A value of the wrong kind for a parameter whose default is ``value``."""
    if isinstance(value, bool):
        return "no"  # truthy: the bug this check exists for
    return "fortnights"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_checks_its_parameters_right_after_the_parameters_cell(path):
    check_cell = _cells(path)[1]
    assert "P.check(globals()" in check_cell, f"{path.name}: the cell after the parameters must check them"
    _run(path)  # the defaults pass


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_parameter_rejects_a_wrong_value_naming_it_and_what_is_allowed(path):
    for name, default in _defaults(path).items():
        with pytest.raises(P.ParameterError) as error:
            _run(path, **{name: _wrong(default)})
        message = str(error.value)
        assert f"parameter {name!r}" in message and "This chapter's parameters are:" in message, message


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_a_misspelt_parameter_is_an_error_with_a_suggestion(path):
    name = next(iter(_defaults(path)))
    misspelt = name[:-1] if len(name) > 3 else name + "s"
    with pytest.raises(
        P.ParameterError, match=rf"'{misspelt}' is not a parameter of this chapter \(did you mean '{name}'\?\)"
    ):
        _run(path, **{misspelt: _defaults(path)[name]})


@pytest.mark.parametrize("value", ["no", "False", 0, 1, None])
def test_flag_accepts_only_a_bool(value):
    assert P.flag().problem(value) == "must be True or False (a bool)"
    assert P.flag().problem(True) is None and P.flag().problem(False) is None


@pytest.mark.parametrize("value", [math.nan, math.inf, True, "0.95", 1.5, 0.2])
def test_number_rejects_nan_inf_bool_text_and_out_of_range(value):
    assert P.number(0.5, 0.999).problem(value) is not None
    assert P.number(0.5, 0.999).problem(0.95) is None


def test_choice_compares_type_as_well_as_value():
    rule = P.choice("FE", "REML")
    assert rule.problem("REML") is None
    assert rule.problem("reml") == "must be 'FE' or 'REML'"
    assert P.choice(1, 2).problem(True) is not None  # True == 1, but it is not the number 1


def test_integer_list_and_optional_rules():
    assert P.integer(0).problem(-1) == "must be a whole number ≥ 0"
    assert P.integer(0).problem(2.0) is not None
    assert P.optional(P.text()).problem(None) is None
    assert P.list_of(P.choice("a", "b")).problem(["a", "c"]) == "item 1 ('c') must be 'a' or 'b'"
    assert P.list_of(P.text()).problem("a") is not None


def test_data_key_suggests_close_ids():
    problem = P.data_key("effects", "effect_id").problem("her2climb_os_itt_fina")
    assert problem.startswith("must be a effect_id of data/effects") and "her2climb_os_itt_final" in problem


def test_papermill_run_with_a_truthy_string_stops_in_the_check_cell(tmp_path):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    with pytest.raises(PapermillExecutionError) as error:
        papermill.execute_notebook(
            str(ROOT / "chapters" / "methods.ipynb"),
            str(tmp_path / "out.ipynb"),
            parameters={"hartung_knapp": "no"},
            cwd=str(ROOT / "chapters"),
            kernel_name="python3",
            progress_bar=False,
        )
    assert error.value.ename == "ParameterError"
    assert "parameter 'hartung_knapp' must be True or False (a bool), got 'no' (str)" in error.value.evalue

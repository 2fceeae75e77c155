"""The mutation gate (tools/mutation_gate.py, issue 13 item 7).

Always, quickly: the generator makes mutants of every kind from a known backward (matmul's),
each mutant is its backward's source with one node changed, a known-bad mutant written into a
copy of the repository is killed by check (a) (python -m derivations check-engine), and
tools/mutation_equivalents.txt names only mutants the generator makes, each with a reason.

Under TINYGRAD_EDU_PROFILE=thorough only (minutes): every generated mutant is judged by check
(a), and the mutants it leaves alive are exactly those listed as equivalent.
"""

import ast
import shutil

import pytest

from tests.suite_settings import PROFILE
from tools import mutation_gate as gate


@pytest.fixture(scope="module")
def all_mutants():
    return gate.mutants()


def test_every_kind_is_generated_from_matmuls_backward():
    made = gate.mutants(only="matmul")
    counts = {kind: sum(m.kind == kind for m in made) for kind in gate.KINDS}
    assert all(counts.values()), f"kinds without a mutant of MatMul.backward: {counts}"
    assert {m.rule.cls for m in made} == {"MatMul"}


def test_each_mutant_changes_one_node_of_one_backward(all_mutants):
    rules = gate.rules()
    assert len(rules) >= 40  # ops.py, more_ops.py and the two BCE Functions
    assert {"BinaryCrossEntropy", "BinaryCrossEntropyWithLogits", "Minimum"} - \
        {r.cls for r in rules} == {"Minimum"}  # Minimum runs Maximum's backward
    assert "minimum" in next(r for r in rules if r.cls == "Maximum").ops
    assert len({m.text for m in all_mutants}) == len(all_mutants)  # no duplicates
    for m in all_mutants[::7]:
        original = ast.parse(m.rule.source)
        mutated = ast.parse(m.text)
        changed = [a for a, b in zip(ast.walk(original), ast.walk(mutated))
                   if isinstance(a, ast.FunctionDef) and ast.dump(a) != ast.dump(b)]
        assert [f.name for f in changed] == ["backward"], m.label()
        assert m.before != m.after, m.label()


def test_a_wrong_rule_is_killed_by_check_a():
    """Mul's ∂L/∂A = G ⊙ B written as G / B, in a copy: check-engine fails, and passes again
    on the restored file."""
    mutant = next(m for m in gate.mutants(only="mul")
                  if m.kind == "binop" and "g / b" in m.after)
    where = gate.make_copy()
    try:
        result = gate.judge(mutant, where, checks="a")
        assert result.killed == {"a": True, "b": None, "c": None}, result.why
        passed, _, last = gate._run([gate.sys.executable, "-m", "derivations",
                                     "check-engine", "mul"], where)
        assert passed, last
    finally:
        shutil.rmtree(where, ignore_errors=True)


def test_the_equivalents_file_names_generated_mutants_with_reasons(all_mutants):
    known = gate.equivalents()
    keys = {m.key for m in all_mutants}
    assert known, "tools/mutation_equivalents.txt lists nothing"
    assert not set(known) - keys, f"listed but not generated: {sorted(set(known) - keys)}"
    assert all(len(why) > 20 for why in known.values())


@pytest.mark.skipif(PROFILE != "thorough", reason="the whole gate takes minutes: run with "
                    "TINYGRAD_EDU_PROFILE=thorough (or python -m tools.mutation_gate)")
def test_check_a_kills_every_mutant_not_listed_as_equivalent(all_mutants):
    results = gate.run_gate(all_mutants, jobs=2, checks="a")
    alive = {r.mutant.key for r in results if not r.killed["a"]}
    known = set(gate.equivalents())
    assert alive - known == set(), "mutants check (a) does not kill (gaps):\n" + \
        "\n".join(sorted(alive - known))
    assert known - alive == set(), "listed as equivalent but killed:\n" + \
        "\n".join(sorted(known - alive))

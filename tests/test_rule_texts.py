"""One source for each backward rule's text (issue 13, item 4): the proved derivations.

tinygrad_edu/rule_texts.py is generated from derivations/ (``python -m derivations rules``) and
must be current; viz.trace_backward reads it (no SymPy in the engine); each op's docstring in
ops.py / more_ops.py states exactly the proved formulas; ``python -m derivations ops`` prints
them from the same derivations.
"""

import contextlib
import io
import re
import subprocess
import sys

import pytest

from derivations import rule_texts as generator
from derivations.__main__ import main
from derivations.registry import ops
from tinygrad_edu import primitives, rule_texts


def test_the_generated_table_is_current():
    assert generator.is_current(), \
        "tinygrad_edu/rule_texts.py is out of date: run python -m derivations rules"
    rules, operands, where = generator.table()
    assert (rule_texts.RULES, rule_texts.OPERANDS, rule_texts.WHERE) == (rules, operands, where)


def test_the_table_has_every_primitive_and_each_proved_gradient():
    assert set(primitives.PRIMITIVES) <= set(rule_texts.RULES)
    for d in ops():
        assert len(rule_texts.RULES[d.name]) == len(d.grads), d.name
        for g in d.grads:
            letter, formula = generator.split(g.unicode)
            assert rule_texts.RULES[d.name][letter] == formula
            assert g.unicode.startswith(f"∂L/∂{letter} = {formula}")


def test_rules_check_reports_a_stale_table(tmp_path):
    stale = tmp_path / "rule_texts.py"
    stale.write_text(generator.render().replace("'G ⊙ [A > 0]'", "'G ⊙ [A ≥ 0]'"),
                     encoding="utf-8")
    assert not generator.is_current(stale)
    generator.write(stale)
    assert generator.is_current(stale)


def _docstring(cls):
    """The docstring on one line: each line stripped, joined by single spaces."""
    return " ".join(line.strip() for line in (cls.__doc__ or "").splitlines()).strip()


# After a formula: the end, a comma/semicolon/full stop and a space (or the end), or two or
# more spaces (the gap before a note): so "G" does not match the start of "G ⊙ B".
_END = r"(?=$|[.,;](?:\s|$)|\s{2,})"


@pytest.mark.parametrize("name", sorted(primitives.PRIMITIVES))
def test_each_docstring_states_the_proved_formulas(name):
    text = _docstring(primitives.PRIMITIVES[name])
    rules = rule_texts.RULES[name]
    for letter, formula in rules.items():
        claim = f"∂L/∂{letter} = {formula}"
        assert re.search(re.escape(claim) + _END, text), \
            f"{name}: the docstring should state {claim!r} (the proved text); it says {text!r}"
    stated = re.findall(r"∂L/∂\S+ =", text)
    assert len(stated) == len(rules), \
        f"{name}: the docstring states {len(stated)} rules, the derivation proves {len(rules)}"


def test_the_ops_command_prints_the_same_proved_formulas():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["ops"]) == 0
    printed = out.getvalue()
    # one block per op; a line over 100 characters is wrapped, so compare with single spaces
    blocks = {block.split(" — ", 1)[0]: " ".join(block.split())
              for block in printed.split("\n\n")}
    for name in primitives.PRIMITIVES:
        assert name in blocks, name
        for letter, formula in rule_texts.RULES[name].items():
            assert f" ∂L/∂{letter} = {formula}" in blocks[name], (name, letter)


def test_viz_and_the_table_import_no_sympy():
    code = ("import sys, tinygrad_edu.viz, tinygrad_edu.rule_texts; "
            "print('sympy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"

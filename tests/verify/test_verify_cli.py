"""python -m bot verify-content: report per question, exit 0/1/2, one-line errors."""

import io
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.verify.cli import run
from tests.verify.synthetic import make_wheel

DECK = """
deck: "mini"
questions:
  - id: "q-holds"
    prompt: "What is beta's default?"
    choices: ["0.1", "0.2"]
    answer: "A"
    explanation: "Because."
    checks:
      - kind: "default"
        target: "trl.AlphaConfig.beta"
        value: 0.1
      - kind: "absent"
        target: "trl.BetaTrainer"
  - id: "q-fails"
    prompt: "Which strategies exist?"
    choices: ["bfd and wrapped", "bfd only"]
    answer: "A"
    explanation: "Because."
    checks:
      - kind: "choices"
        target: "trl.AlphaConfig.strategy"
        values: ["bfd"]
  - id: "q-unchecked"
    prompt: "No checks here?"
    choices: ["yes", "no"]
    answer: "A"
    explanation: "Because."
"""


@pytest.fixture
def deck(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(DECK)
    return path


def verify(*args, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    code = run(*args, out=out, err=err, **kwargs)
    return code, out.getvalue(), err.getvalue()


def test_report_names_each_question_and_the_deciding_line(tmp_path, deck):
    """Failing checks exit 1; every check line carries the TRL file:line; the summary counts coverage."""
    code, out, err = verify(wheel=make_wheel(tmp_path / "w"), paths=[deck])
    assert (code, err) == (1, "")
    assert f"{deck}:4 q-holds: ok (2)" in out
    assert "trl.AlphaConfig.beta defaults to 0.1 [trl/trainer/alpha_config.py:" in out
    assert f"{deck}:15 q-fails: FAIL (1 of 1)" in out
    assert "trl.AlphaConfig.strategy also accepts {'wrapped'} (metadata choices: {'bfd', 'wrapped'})" in out
    assert f"{deck}:24 q-unchecked: no checks" in out
    assert "3 question(s), 2 with checks (67%); 3 check(s): 2 hold, 1 fail (1 question(s))" in out


def test_all_holding_exits_zero_and_failures_only_is_quiet(tmp_path, deck):
    deck.write_text(DECK.split('  - id: "q-fails"')[0])
    code, out, _ = verify(wheel=make_wheel(tmp_path / "w"), paths=[deck], failures_only=True)
    assert code == 0
    assert "q-holds" not in out
    assert "1 question(s), 1 with checks (100%); 2 check(s): 2 hold, 0 fail" in out


def test_a_cached_wheel_is_used_without_the_network(tmp_path, deck):
    """--trl VERSION with the wheel already in --cache reads the cache (the index URL is unreachable)."""
    cache = tmp_path / "cache"
    make_wheel(cache, version="9.9.1")
    code, out, _ = verify("9.9.1", cache=cache, paths=[deck], index_url="http://127.0.0.1:9/simple/trl/")
    assert code == 1
    assert "against trl 9.9.1" in out


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"trl": "not-a-version"}, "error: 'not-a-version' is not a TRL version number (e.g. 1.16.0)\n"),
        ({"trl": "9.9.2"}, "error: cannot read the package index http://127.0.0.1:9/simple/trl/: "),
        ({"wheel": "missing.whl"}, "error: missing.whl: no such file\n"),
        ({"wheel": "junk.whl"}, "error: cannot read junk.whl as a wheel: File is not a zip file\n"),
        ({"wheel": "good", "trl": "1.0.0"}, "is trl 9.9.0, not 1.0.0\n"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, deck, monkeypatch, kwargs, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "junk.whl").write_text("junk")
    if kwargs.get("wheel") == "good":
        kwargs["wheel"] = make_wheel(tmp_path / "w")
    elif "wheel" in kwargs:
        kwargs["wheel"] = Path(kwargs["wheel"])  # relative to tmp_path, the working directory
    code, out, err = verify(
        cache=tmp_path / "cache", paths=[deck], index_url="http://127.0.0.1:9/simple/trl/", **kwargs
    )
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert message in err


def test_invalid_content_exits_2_with_one_line(tmp_path, deck):
    deck.write_text(DECK.replace('target: "trl.BetaTrainer"', 'target: "os.system"'))
    code, _, err = verify(wheel=make_wheel(tmp_path / "w"), paths=[deck])
    assert code == 2
    assert err.count("\n") == 1
    assert "q-holds" in err and "checks[1]" in err and "should match pattern" in err


def test_the_command_line_dispatches_to_the_verifier(tmp_path, deck, capsys):
    """python -m bot verify-content --wheel PATH deck.yaml, needing no settings or Discord token."""
    code = main(["verify-content", "--wheel", str(make_wheel(tmp_path / "w")), "--failures-only", str(deck)])
    assert code == 1
    assert "q-fails: FAIL" in capsys.readouterr().out

"""Every option of every subcommand explains itself; the model commands default to the
shipped model."""

import argparse
import json
import shutil
import subprocess
import sys

import pytest

from chatbot.cli import build_parser
from chatbot.cli.options import add_options, from_args
from chatbot.config import DecodeOptions, ModelConfig, TrainConfig, setting
from chatbot.layout import SHIPPED_MODEL, ModelLayout


def subcommands(parser=None, prefix="") -> dict[str, argparse.ArgumentParser]:
    """Every (sub)subcommand's parser, by its name ("judge make")."""
    parser = parser or build_parser()
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[prefix + name] = sub
                found |= subcommands(sub, f"{prefix}{name} ")
    return found


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_option_of_every_subcommand_has_help(name):
    parser = subcommands()[name]
    assert parser.description, name
    for action in parser._actions:
        assert action.help and action.help.strip(), f"chatbot {name} {action.option_strings}"


def test_help_shows_every_default_worth_showing():
    def words(name):
        return " ".join(subcommands()[name].format_help().split())

    text = words("train")
    assert "(default: on)" in text  # --copy / --no-copy
    contrast = text[text.index("--contrast X ") :]
    assert "(default: 0.0)" in contrast[: contrast.index(" --", 3)]  # a 0 is a default too
    assert "(default: [])" not in words("judge make")


def test_options_come_from_the_config_dataclasses():
    parser = argparse.ArgumentParser()
    add_options(parser, TrainConfig)
    args = parser.parse_args(["--hidden", "64", "--no-copy", "--lr", "0.01", "--head", "softmax"])
    config = from_args(TrainConfig, args)
    assert config.model == ModelConfig(hidden=64, copy=False, head="softmax")
    assert config.lr == 0.01 and config.batch_size == TrainConfig().batch_size
    with pytest.raises(SystemExit):
        parser.parse_args(["--head", "magic"])
    parser = argparse.ArgumentParser()
    add_options(parser, DecodeOptions)
    assert from_args(DecodeOptions, parser.parse_args([])) == DecodeOptions()
    assert from_args(DecodeOptions, parser.parse_args(["--seed", "4"])).seed == 4


def test_a_setting_without_help_cannot_become_an_option():
    from dataclasses import dataclass, field

    @dataclass(frozen=True)
    class Bad:
        good: int = setting(1, "explained")
        bad: int = field(default=2)

    with pytest.raises(KeyError):
        add_options(argparse.ArgumentParser(), Bad)


def chatbot(*args, stdin=""):
    return subprocess.run(
        [sys.executable, "-m", "chatbot", *args],
        capture_output=True,
        text=True,
        timeout=300,
        input=stdin,
    )


@pytest.mark.skipif(not ModelLayout(SHIPPED_MODEL).exists(), reason="no shipped model")
def test_reply_uses_the_shipped_model_and_the_old_form_still_works(capsys):
    from tests.conftest import run_cli

    def chatbot(*args):  # in this process: the shipped model loads without a new torch
        return run_cli(args, capsys)

    new = chatbot("reply", "你好", "--seed", "1", "--json")
    assert new.returncode == 0, new.stderr
    old = chatbot("reply", str(SHIPPED_MODEL), "你好", "--seed", "1", "--json")
    assert old.returncode == 0, old.stderr
    explicit = chatbot("reply", "你好", "--model", str(SHIPPED_MODEL), "--seed", "1", "--json")
    between = chatbot("reply", str(SHIPPED_MODEL), "--seed", "1", "--json", "你好")
    words = [json.loads(r.stdout)["words"] for r in (new, old, explicit, between)]
    assert words[0] == words[1] == words[2] == words[3] and words[0]
    # An option the strategy does not read is said, not silently dropped.
    beam = chatbot("reply", "你好", "--temperature", "0.3", "--json")
    assert beam.returncode == 0 and "--temperature works with --strategy sample only" in beam.stderr
    joined = chatbot("reply", "你好", "还有", "--model", str(SHIPPED_MODEL), "--json")
    assert joined.returncode == 0 and json.loads(joined.stdout)["query"] == "你好 还有"
    # A first word naming a plain folder here is the message's (tests run in the repo).
    docs = chatbot("reply", "docs", "are", "great", "--json")
    assert docs.returncode == 0 and json.loads(docs.stdout)["query"] == "docs are great"
    # A pasted paragraph is longer than any file name: a message, not a traceback.
    pasted = chatbot("reply", "林妹妹身子可好些了？" * 30, "--json")
    assert pasted.returncode == 0 and json.loads(pasted.stdout)["reply"], pasted.stderr


def test_options_may_come_between_positionals():
    from chatbot.cli import parse

    parser = build_parser()
    args = parse(parser, ["prepare", "a.txt", "--epochs", "2", "out", "--sg"])
    assert (args.novel, args.out_dir, args.epochs, args.sg) == ("a.txt", "out", 2, True)
    args = parse(parser, ["reply", "--seed", "2", "how", "are", "--json", "you"])
    assert (args.text, args.seed, args.json) == (["how", "are", "you"], 2, True)
    with pytest.raises(SystemExit):  # one positional too many is still an error
        parse(parser, ["prepare", "a.txt", "--epochs", "2", "out", "more"])


def test_bad_values_are_one_line_errors(capsys, echo_corpus, echo_model, tmp_path):
    """Each was a traceback, a run that never ends, or a silent success."""
    from tests.conftest import run_cli

    history = tmp_path / "history.jsonl"
    history.write_text('{"text": 5}\n', encoding="utf-8")
    (tmp_path / "folder").mkdir()
    m = str(echo_model)
    cases = [
        (["reply", "--beam", "abc", "hi"], "argument --beam: invalid int value"),  # argparse's
        (["reply", "--model", m, "--seed", "99999999999999999999", "hi"], "--seed must be at most"),
        (["reply", "--model", m, "--beam", "100000", "hi"], "--beam must be at most 64"),
        (["reply", "--model", m, "--strategy", "greedy", "--rank", "5", "hi"], "--rank draws"),
        (["reply", "--model", m, "--as", "", "hi"], "--as needs a name"),
        (["reply", "--model", m, "--history", history, "hi"], '"text" must be a string'),
        (["continue", "--model", m, "--words", "100000000", "x"], "--words must be from 1"),
        (["continue", "--model", m, "--encoding", "xyz", "x"], "unknown encoding 'xyz'"),
        (["eval", "--model", m, "--out", tmp_path / "folder"], "is a folder"),
        (["eval", "--model", m, "--out", tmp_path / "no" / "e.json"], "no folder"),
        # A typo in the older MODEL_DIR form is not the start of a message.
        (["reply", "./no-such-bot/", "hi"], "no model directory at"),
        (["reply", echo_corpus, "hi"], "is a prepared corpus with no model yet"),
        (["train", echo_corpus, "--out", echo_corpus], "is a prepared corpus; give the model"),
        (["eval", "--model", m, "--softmax", m], "is not a softmax model"),
        (["info", ""], "the model directory is empty"),
        (["info", m, "--width", "-10"], "--width must be at least 30"),
        (["train", echo_corpus, "--lr", "nan"], "--lr must be a finite number"),
        (["train", echo_corpus, "--device", "tpu", "--out", tmp_path / "m"], "unknown device"),
        (["prepare", "x.txt", "--seed", "-1"], "--seed must be at least 0"),
        (["prepare", "x.txt", "--sample", "inf"], "--sample must be a finite number"),
        (["pretrain", "x.txt"], "required: --out"),
        (["info", m, "--model", echo_corpus], "two models given"),
        (["scratch", "adder", "--seed", "-1"], "--seed: must be from 0"),
        (["judge", "score", tmp_path, "--reps", "99999999999"], "--reps must be from 100"),
        (["train", echo_corpus, "--hidden", "1000000000000"], "--hidden must be at most"),
        (["train", echo_corpus, "--encoder-layers", "100000"], "--encoder-layers must be at"),
    ]
    for args, says in cases:
        r = run_cli(args, capsys)
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert r.returncode == 2, (args, r.stderr)
        assert len(lines) == 1 and lines[0].startswith("error:") and says in lines[0], (args, lines)


def test_standard_input_that_is_binary_or_broken_json_is_said_once(capsys, monkeypatch, echo_model):
    from tests.conftest import run_cli

    blob = bytes(b for b in range(256) if b != ord("\n")) * 40
    binary = blob + b"\n" + blob + b"\n"  # two "lines": one error, then it stops
    r = run_cli(["reply", "--model", echo_model], capsys, monkeypatch, stdin=binary)
    assert r.returncode == 2 and r.stderr.count("error:") == 1 and "binary" in r.stderr
    nul = b"\x00\x01garbage\n" * 5  # short lines: too short to tell binary, but a NUL
    r = run_cli(["reply", "--model", echo_model], capsys, monkeypatch, stdin=nul)
    assert r.returncode == 2 and r.stderr.count("error:") == 1 and "NUL bytes" in r.stderr
    bell = "你好\x07\n".encode()  # a control character in valid UTF-8 is text
    r = run_cli(["reply", "--model", echo_model], capsys, monkeypatch, stdin=bell)
    assert r.returncode == 0 and "error" not in r.stderr
    short = b"\x01\x02\x03ab\xff\n" * 5  # short lines of control bytes, no NUL
    r = run_cli(["reply", "--model", echo_model], capsys, monkeypatch, stdin=short)
    assert r.returncode == 2 and r.stderr.count("error:") == 1 and "binary" in r.stderr
    r = run_cli(["reply", "--model", echo_model], capsys, monkeypatch, stdin='{"message": "hi"\n')
    assert r.returncode == 2 and "is not valid JSON" in r.stderr


def test_eval_finds_the_corpus_from_anywhere_and_keeps_the_models_own_scores(
    capsys, monkeypatch, echo_corpus, echo_model, tmp_path
):
    from tests.conftest import run_cli

    # A project as training leaves it: the corpus recorded relative to where it ran.
    book = tmp_path / "project" / "book"
    shutil.copytree(echo_corpus, book)
    shutil.copytree(echo_model, book / "model")
    card = json.loads((book / "model" / "config.json").read_text(encoding="utf-8"))
    (book / "model" / "config.json").write_text(json.dumps({**card, "corpus": "book"}))
    report = book / "model" / "eval.json"
    monkeypatch.chdir(tmp_path)  # not where training ran
    r = run_cli(["eval", "project/book/model"], capsys)
    assert r.returncode == 0, r.stderr
    whole = report.read_bytes()
    assert json.loads(whole)["corpus"] == str(book)
    # A part of the test split, or another book, would pass for the model's scores.
    r = run_cli(["eval", "project/book/model", "--limit", "2"], capsys)
    assert r.returncode == 0 and "not written" in r.stderr and report.read_bytes() == whole
    r = run_cli(["eval", "project/book/model", "--limit", "2", "--out", "part.json"], capsys)
    assert r.returncode == 0 and json.loads((tmp_path / "part.json").read_text())["test_pairs"] == 2
    # The same corpus moved elsewhere is still the model's own: its vectors say so.
    moved = shutil.copytree(book, tmp_path / "moved", ignore=shutil.ignore_patterns("model"))
    report.unlink()
    r = run_cli(["eval", "project/book/model", "--corpus", str(moved)], capsys)
    assert r.returncode == 0 and "not written" not in r.stderr and report.is_file()
    other = tmp_path / "other" / "vectors.bin"  # another book's vectors
    shutil.copytree(moved, other.parent)
    other.write_bytes(other.read_bytes()[:-1] + b"\0")
    r = run_cli(["eval", "project/book/model", "--corpus", str(other.parent)], capsys)
    assert r.returncode == 0 and "another book" in r.stderr

"""``chatbot reply``: answer one message, or one per line of standard input."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from pathlib import Path

from chatbot.cast import Conversation
from chatbot.cli.common import (
    add_encoding_option,
    add_model_option,
    check_encoding,
    decode_input,
    err_console,
    labelled,
    note_ignored,
    resolve_model,
    stdin_lines,
)
from chatbot.cli.options import HelpFormatter, add_options, from_args
from chatbot.config import DecodeOptions
from chatbot.errors import ChatbotError, NotText
from chatbot.layout import ModelLayout, is_prepared


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "reply",
        help="answer one message, or one per line of standard input",
        description="Reply to TEXT with a trained model (by default the shipped one). "
        "Without TEXT, reply to each line of standard input.",
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "text",
        nargs="*",
        metavar="TEXT",
        help="the message; several words are one message, joined by spaces (the older "
        "form MODEL_DIR TEXT still works)",
    )
    add_model_option(p)
    p.add_argument("--json", action="store_true", help="print words, scores and timings as JSON")
    p.add_argument("--as", dest="speaker", metavar="NAME", help="the character the bot speaks as")
    p.add_argument("--to", dest="addressee", metavar="NAME", help="the character you are")
    p.add_argument(
        "--history",
        metavar="FILE",
        help="what was said before the message, one turn per line, oldest first (plain "
        'text, or JSON lines with "text"); on standard input, a JSON line may carry its '
        'own: {"message": ..., "history": [...], "as": ..., "to": ...}. A model trained '
        "with --context reads its last turns; any model avoids repeating them",
    )
    add_encoding_option(p, "standard input and --history")
    add_options(p, DecodeOptions, title="decoding")
    p.set_defaults(func=run)


def _model_and_text(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """(model, text) from ``--model`` and the positionals, which may be TEXT, or the
    older MODEL_DIR [TEXT]."""
    words = list(args.text)
    model = args.model
    if words and model is None and _names_a_model(words[0], len(words)):
        model = words.pop(0)
    # several words are one message, as echo reads them: chatbot reply how are you
    return model, (" ".join(words) if words else None)


def _names_a_model(word: str, n_words: int) -> bool:
    """Whether the first positional is the older MODEL_DIR: a model, or, before a
    message, a prepared corpus or a word written as a path (./mybot/), so that a typo
    in it is an error that names it rather than part of the message. Any other word is
    the message's, even one that names a folder here (chatbot reply docs are great);
    so is a pasted paragraph (no file name is that long)."""
    if n_words > 1 and (word.endswith("/") or word.startswith(("./", "../", "~/"))):
        return True
    try:
        return ModelLayout.at(word).exists() or (n_words > 1 and is_prepared(Path(word)))
    except OSError:
        return False


def _history(path: str | None, encoding: str | None) -> tuple[str, ...]:
    if path is None:
        return ()
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise ChatbotError(f"cannot read --history {path}: {e.strerror}") from None
    lines = decode_input(data, f"--history {path}", encoding).splitlines()
    return tuple(_turn(ln) for ln in lines if ln.strip())


def _turn(line: str) -> str:
    """A history line: plain text, or a JSON object with "text"."""
    if line.lstrip().startswith("{"):
        try:
            text = json.loads(line)["text"]
        except (ValueError, KeyError, TypeError):
            raise ChatbotError(f'a JSON history line needs "text": {line[:60]}') from None
        if not isinstance(text, str):
            raise ChatbotError(f'a JSON history line\'s "text" must be a string: {line[:60]}')
        return text
    return line


def _request(line: str, base: Conversation) -> tuple[str, Conversation]:
    """A line of standard input: a message, or a JSON object with its conversation."""
    if not line.lstrip().startswith("{"):
        return line, base
    try:
        d = json.loads(line)
    except ValueError as e:
        raise ChatbotError(f"a line that opens with {{ is not valid JSON ({e.msg})") from None
    try:
        message = d["message"]
    except (KeyError, TypeError):
        raise ChatbotError(
            'a JSON line needs "message" (and may have "history", "as", "to")'
        ) from None
    history = d.get("history", list(base.history))
    if not isinstance(message, str):
        raise ChatbotError('a JSON line\'s "message" must be a string')
    if not isinstance(history, list) or not all(isinstance(t, str) for t in history):
        raise ChatbotError('a JSON line\'s "history" must be a list of strings, oldest first')
    for key in ("as", "to"):
        if not isinstance(d.get(key, ""), (str, type(None))):
            raise ChatbotError(f'a JSON line\'s "{key}" must be a name')
    speaker, addressee = d.get("as", base.speaker), d.get("to", base.addressee)
    return message, Conversation(tuple(history), speaker, addressee)


def run(args: argparse.Namespace) -> int:
    from chatbot.bot import Chatbot

    options = from_args(DecodeOptions, args)
    note_ignored(options.strategy, args.typed)
    check_encoding(args.encoding)
    for flag, name in (("--as", args.speaker), ("--to", args.addressee)):
        if name is not None and not name.strip():
            raise ChatbotError(f"{flag} needs a name (chatbot characters lists them)")
    model, text = _model_and_text(args)
    base = Conversation(_history(args.history, args.encoding), args.speaker, args.addressee)
    bot = Chatbot.load(resolve_model(model))
    if text is not None:
        lines: Iterable[bytes | str] = [decode_input(text, "the message")]
    else:  # one output line per input line, so a script can pair them up
        lines = stdin_lines(args.encoding)
    status, noted = 0, False
    for raw in lines:
        try:
            line = raw if isinstance(raw, str) else decode_input(raw, "the message")
            line = line.rstrip("\r\n")
        except ChatbotError as e:
            if text is not None or isinstance(e, NotText):  # binary: no line is a message
                raise
            err_console.print(labelled("error:", "bold red", str(e)), soft_wrap=True)
            print(json.dumps({"error": str(e)}) if args.json else "", flush=True)
            status = 2
            continue
        if text is None and not line.strip():
            print(json.dumps({"query": line, "reply": ""}) if args.json else "", flush=True)
            continue
        try:
            message, conversation = _request(line, base) if text is None else (line, base)
            if conversation.history and not bot.card.train.context and not noted:
                noted = True
                err_console.print(
                    "note: this model was trained without --context, so it reads no earlier "
                    "turns; the history only keeps it from repeating them",
                    highlight=False,
                    soft_wrap=True,
                )
            r = bot.reply(message, options, conversation)
        except ChatbotError as e:
            if text is not None:
                raise
            err_console.print(labelled("error:", "bold red", str(e)), soft_wrap=True)
            error = {"query": line, "error": str(e)}
            print(json.dumps(error, ensure_ascii=False) if args.json else "", flush=True)
            status = 2
            continue
        if args.json:
            print(
                json.dumps(
                    {
                        "query": message,
                        "reply": bot.show(r.words),
                        "words": r.words,
                        "scores": [round(s, 4) for s in r.scores],
                        "stop": r.stop,
                        "log_prob": round(r.log_prob, 4),
                        "ms": round(r.seconds * 1000, 2),
                        "as": conversation.speaker,
                        "grounding": [
                            {
                                "text": bot.in_script(g.text),
                                "position": g.position,
                                "score": round(g.score, 3),
                            }
                            for g in r.grounding
                        ],
                    },
                    ensure_ascii=False,
                )
            )
        else:
            print(bot.show(r.words), flush=True)
    return status

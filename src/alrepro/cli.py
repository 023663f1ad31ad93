"""The ``alrepro`` command line: data, embed, reproduce, fake-server (more to come).

Each subcommand is a thin wrapper: parsing here, work in the library. Errors the user can fix are
``AlreproError`` and are printed as one clear line with exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from alrepro import __version__
from alrepro.errors import AlreproError

DESCRIPTION = """\
alrepro reproduces Labelbox's 2020 tutorial "Active Learning With Labelbox (Part 1)" offline:
8,000 Sentiment140 tweets, transformer embeddings, logistic regression, uncertainty sampling.

Where the tweets are: set ALREPRO_SENTIMENT140 to a Sentiment140 file (the official zip, the full
1.6M-row CSV, or any CSV in the same format), or pass --tweets PATH. Most commands also work
without the tweets, from the ids and embeddings committed under data/.
"""


def _add_tweets_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tweets",
        metavar="PATH",
        help="Sentiment140 file (zip, full CSV or sample CSV); default: $ALREPRO_SENTIMENT140",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alrepro", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"alrepro {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "reproduce",
        help="regenerate the tutorial's figure and the multi-seed comparison from the cached embeddings",
        description=(
            "Run the tutorial's replica (canonical split, first 100 rows, +100 per round, uncertainty vs the\n"
            "tutorial's file-order sampler) and N paired seeds per strategy, then write CSVs, a Markdown\n"
            "summary, figures and SHA256SUMS into --out. Needs neither the tweets nor the model."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", metavar="DIR", default="figures", help="output folder (default: figures)")
    p.add_argument("--seeds", type=int, default=20, help="number of paired seeds, 0..N-1 (default: 20)")
    p.add_argument(
        "--strategies",
        default="random,least_confidence,margin,entropy",
        help="comma-separated strategy names (default: random,least_confidence,margin,entropy)",
    )
    p.add_argument("--batch-size", type=int, default=100, help="labels added per round (default: 100)")
    p.add_argument("--budget", type=int, default=None, help="stop at this many labels (default: the whole pool)")
    p.add_argument("--encoder", default="all-MiniLM-L6-v2", help="which cached embeddings to use")
    p.add_argument("--no-replica", action="store_true", help="skip the tutorial's single-run replica")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    _add_tweets_option(p)
    p.set_defaults(handler=_cmd_reproduce)

    p = sub.add_parser(
        "fake-server",
        help="run the fake Labelbox GraphQL server (a test double for the real API)",
        add_help=False,
    )
    p.set_defaults(handler=_cmd_fake_server, passthrough=True)
    return parser


def _cmd_reproduce(args: argparse.Namespace, rest: list[str]) -> int:
    from pathlib import Path

    from alrepro.reproduce import reproduce

    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    result = reproduce(
        Path(args.out),
        seeds=args.seeds,
        strategies=strategies,
        batch_size=args.batch_size,
        budget=args.budget,
        encoder=args.encoder,
        tweets=args.tweets,
        replica=not args.no_replica,
        workers=args.workers,
        progress=not args.no_progress,
    )
    print(result.summary)
    for name, digest in sorted(result.checksums.items()):
        print(f"{digest}  {result.out / name}")
    print(f"done in {result.seconds:.1f} s; outputs in {result.out}/")
    return 0


def _cmd_fake_server(args: argparse.Namespace, rest: list[str]) -> int:
    from fake_labelbox.server import main as fake_main

    return fake_main(rest)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if getattr(args, "command", None) is None:
        parser.print_help()
        return 0
    if rest and not getattr(args, "passthrough", False):
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        return int(args.handler(args, rest) or 0)
    except AlreproError as exc:
        print(f"alrepro {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"alrepro {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())

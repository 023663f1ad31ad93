"""The ``alrepro`` command line: data, embed, reproduce, loop, workshop, fake-server.

Each subcommand is a thin wrapper: parsing here, work in the library. Errors the user can fix are
``AlreproError`` and are printed as one clear line with exit status 2, never a traceback. Every number, name and
path an option takes is checked while parsing, so a bad one stops the command before anything is computed or
written.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path

from alrepro import __version__, defaults
from alrepro.errors import AlreproError

DESCRIPTION = """\
alrepro reproduces Labelbox's 2020 tutorial "Active Learning With Labelbox (Part 1)" offline:
8,000 Sentiment140 tweets, transformer embeddings, logistic regression, uncertainty sampling.

Where the tweets are: set ALREPRO_SENTIMENT140 to a Sentiment140 file (the official zip, the full
1.6M-row CSV, or any CSV in the same format), or pass --tweets PATH. Most commands also work
without the tweets, from the ids and embeddings committed under data/.

Other data: --tweets PATH --draw-seed S draws your own sample from any Sentiment140 file;
--dataset PATH uses your own labelled texts (CSV or JSON Lines, any number of classes).
"""


# What `fake-server` imports beyond the core, and what `loop` and `workshop` import: the labelbox SDK too.
FAKE_MODULES = ("graphql", "werkzeug", "requests", "responses")
LOOP_MODULES = ("labelbox", *FAKE_MODULES)


class _Parser(argparse.ArgumentParser):
    """Bad arguments: one line (no usage block) and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _int_at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} is too small (at least {low})")
        return value

    return parse


def _port(text: str) -> int:
    value = _int_at_least(0)(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (0 to 65535)")
    return value


def _float_from(text: str, *, zero_ok: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (value >= 0 if zero_ok else value > 0) or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} must be a finite number {'>= 0' if zero_ok else '> 0'}")
    return value


def _positive_float(text: str) -> float:
    return _float_from(text, zero_ok=False)


def _nonnegative_float(text: str) -> float:
    return _float_from(text, zero_ok=True)


def _writable_path(text: str, *, folder: bool) -> Path:
    """A folder (or file) we may create later: it is not the other kind, and its nearest existing ancestor is a
    folder we can write in. Nothing is created here."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path")
    path = Path(text)
    if path.exists():
        if folder and not path.is_dir():
            raise argparse.ArgumentTypeError(f"{path} is a file, not a folder")
        if not folder and path.is_dir():
            raise argparse.ArgumentTypeError(f"{path} is a folder, not a file")
        if not os.access(path if folder else path.parent, os.W_OK):
            raise argparse.ArgumentTypeError(f"{path} is not writable")
        return path
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"cannot create {path}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK):
        raise argparse.ArgumentTypeError(f"cannot create {path}: {parent} is not writable")
    return path


def _folder(text: str) -> Path:
    return _writable_path(text, folder=True)


def _file(text: str) -> Path:
    return _writable_path(text, folder=False)


def _strategy(text: str) -> str:
    from alrepro.strategies import STRATEGIES

    if text not in STRATEGIES:
        raise argparse.ArgumentTypeError(f"unknown strategy {text!r}; one of: {', '.join(STRATEGIES)}")
    return text


def _strategy_list(text: str) -> list[str]:
    names = [s.strip() for s in text.split(",") if s.strip()]
    if not names:
        raise argparse.ArgumentTypeError("no strategy named")
    return [_strategy(name) for name in names]


def _strategy_list_or_none(text: str) -> list[str]:
    return [_strategy(name.strip()) for name in text.split(",") if name.strip()]


def _url(text: str) -> str:
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http(s) URL")
    try:
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None
    return text


def _strategy_names() -> str:
    from alrepro.strategies import STRATEGIES

    return ", ".join(STRATEGIES)


def _require_modules(extra: str, modules: Sequence[str]) -> None:
    """One line, before any work, when an optional extra this command needs is not installed."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise AlreproError(f"needs {', '.join(missing)}, not installed: install with pip install 'alrepro[{extra}]'")


def _add_tweets_option(parser: argparse.ArgumentParser) -> None:
    """Which data: the canonical tweets (their texts from --tweets), a draw from a tweet file, or --dataset."""
    parser.add_argument(
        "--tweets",
        metavar="PATH",
        help="Sentiment140 file (zip, full CSV or sample CSV); default: $ALREPRO_SENTIMENT140",
    )
    parser.add_argument(
        "--draw-seed", type=int, metavar="SEED",
        help="draw a sample of your own from the Sentiment140 file with this seed (rows with a repeated id left "
        "out; 8,000 rows or --draw-size) instead of selecting the canonical 8,000",
    )
    parser.add_argument("--draw-size", type=int, metavar="N", help="with --draw-seed: rows to draw (default 8,000)")
    parser.add_argument(
        "--dataset", metavar="PATH",
        help="your own labelled texts instead of the tweets: a CSV (header row) or JSON Lines (.jsonl) file; "
        "labels are any strings, one class each; split 90/10 as the tutorial",
    )
    parser.add_argument("--text-column", default="text", metavar="NAME", help="--dataset's text column (text)")
    parser.add_argument("--label-column", default="label", metavar="NAME", help="--dataset's label column (label)")


def _add_engine_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--engine", choices=("local", "dask"), default="local",
        help=f"where {what} run: local worker processes (default) or Dask (pip install 'alrepro[dask]'; a local "
        "cluster of --workers processes, or the scheduler named by $ALREPRO_DASK_SCHEDULER); same results",
    )


def _add_dask_workers_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers", type=_int_at_least(1), default=None, help="with --engine dask: worker processes (default: one per core)"
    )


def _source(args: argparse.Namespace):
    """The data the user named, checked before any work."""
    from alrepro.dataset import DataSource

    return DataSource(
        dataset=args.dataset, text_column=args.text_column, label_column=args.label_column, tweets=args.tweets,
        draw_seed=args.draw_seed, draw_size=args.draw_size,
    )


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
            "summary, figures and SHA256SUMS into --out. Needs neither the tweets nor the model; other data\n"
            "(--dataset, --draw-seed) is embedded once on first use, which needs alrepro[embed]."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", metavar="DIR", type=_folder, default="figures", help="output folder (default: figures)")
    p.add_argument(
        "--seeds", type=_int_at_least(0), default=None, help="number of paired seeds, 0..N-1 (default: chosen by power)"
    )
    p.add_argument(
        "--strategies",
        type=_strategy_list,
        default=",".join(defaults.STRATEGIES),
        help=f"comma-separated, from: {_strategy_names()} (default: {','.join(defaults.STRATEGIES)})",
    )
    p.add_argument(
        "--baselines",
        type=_strategy_list_or_none,
        default="random",
        help="strategies also run with the TF-IDF + logistic regression learner ('' for none; default: random)",
    )
    p.add_argument("--batch-size", type=_int_at_least(1), default=100, help="labels added per round (default: 100)")
    p.add_argument("--budget", type=_int_at_least(1), default=None, help="stop at this many labels (default: the whole pool)")
    p.add_argument("--encoder", default=defaults.ENCODER, help="which cached embeddings to use")
    p.add_argument("--no-replica", action="store_true", help="skip the tutorial's single-run replica")
    p.add_argument("--workers", type=_int_at_least(1), default=None, help="worker processes (default: one per core)")
    _add_engine_option(p, "the curves")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    _add_tweets_option(p)
    p.set_defaults(handler=_cmd_reproduce)

    p = sub.add_parser(
        "data",
        help="check the tweets and show the canonical 8,000: source, counts, class balance, split, checksum",
        description=(
            "Select the canonical 8,000 tweets (ids, labels and split committed under data/) from a\n"
            "Sentiment140 file and verify their text checksums; without a tweet file, show the committed\n"
            "ids only. --build redraws the canonical files from the 9,998-row sample (byte-identical)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--build", action="store_true", help="regenerate canonical_8000.csv/.json from the sample")
    p.add_argument("--out", metavar="DIR", type=_folder, default=None, help="folder for --build (default: data/)")
    _add_tweets_option(p)
    p.set_defaults(handler=_cmd_data)

    p = sub.add_parser(
        "embed",
        help="compute (or --check) the cached embeddings of the canonical 8,000 (or of --dataset / a draw)",
        description=(
            "Embed the canonical 8,000 tweets (mean of the last hidden state over all tokens, as the\n"
            "tutorial) and write data/embeddings/<encoder>.npz + .json; with --dataset or --draw-seed, embed\n"
            "those texts into the user's cache ($ALREPRO_CACHE_DIR or ~/.cache/alrepro, a folder per content\n"
            "hash). --check recomputes the vectors and compares them with the cache (exit 1 when any differs\n"
            "by more than --tolerance). Needs the texts and alrepro[embed] (torch, transformers)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--encoder",
        metavar="NAME|PATH",
        default=defaults.ENCODER,
        help=f"{defaults.ENCODER} (default, offline), distilbert-base-uncased, or a local model folder",
    )
    p.add_argument("--batch-size", type=_int_at_least(1), default=32, help="texts per forward pass (default: 32)")
    p.add_argument("--out", metavar="DIR", type=_folder, default=None, help="cache folder (default: data/embeddings, or the data set's folder in the user's cache)")
    p.add_argument("--check", action="store_true", help="recompute and compare with the cache instead of writing")
    p.add_argument("--subset", type=_int_at_least(1), default=None, metavar="N", help="with --check: check N evenly spread rows")
    p.add_argument("--tolerance", type=_nonnegative_float, default=1e-4, help="with --check: max allowed |difference| (1e-4)")
    p.add_argument("--threads", type=_int_at_least(1), default=None, help="torch threads (default: the CPUs available)")
    _add_engine_option(p, "the encoder's batches")
    _add_dask_workers_option(p)
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    _add_tweets_option(p)
    p.set_defaults(handler=_cmd_embed)

    p = sub.add_parser(
        "loop",
        help="run the tutorial's active-learning loop through a Labelbox queue (fake by default)",
        description=(
            "Prioritise the queue with the rows the model is least sure of, wait for their labels, export,\n"
            "retrain, repeat: through the real labelbox SDK. --backend fake (default) starts an in-process fake\n"
            "Labelbox whose simulated workforce labels the prioritised rows (or uses the running fake at\n"
            "--endpoint); --backend live talks to Labelbox with $LABELBOX_API_KEY and waits for your labellers.\n"
            "The run directory holds the state: rerun the same command to resume after a crash."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--backend", choices=("fake", "live"), default="fake", help="where the queue lives (default: fake)")
    p.add_argument("--endpoint", metavar="URL", type=_url, help="GraphQL endpoint of a running fake (alrepro fake-server)")
    p.add_argument(
        "--api-key",
        metavar="KEY",
        help="API key: live defaults to $LABELBOX_API_KEY; a running fake to the key alrepro fake-server prints",
    )
    p.add_argument(
        "--strategy", type=_strategy, default=defaults.STRATEGY,
        help=f"query strategy, one of: {_strategy_names()} (default: {defaults.STRATEGY})",
    )
    p.add_argument("--rounds", type=_int_at_least(1), default=71, help="rounds, the first one included (default: 71)")
    p.add_argument("--batch", type=_int_at_least(1), default=100, help="rows prioritised per round (default: 100)")
    p.add_argument("--seed", type=_int_at_least(0), default=0, help="seed for seeded strategies (default: 0)")
    p.add_argument("--run-dir", metavar="DIR", type=_folder, required=True, help="folder holding the run's state and metrics")
    p.add_argument("--encoder", default=defaults.ENCODER, help="which cached embeddings to use")
    p.add_argument(
        "--project-name", default=None,
        help=f"Labelbox project and dataset name (default: {defaults.PROJECT_NAME}, or alrepro_<file name> with --dataset)",
    )
    p.add_argument(
        "--label-timeout", type=_positive_float, default=3600.0, help="seconds to wait for a round's labels on live (3600)"
    )
    _add_engine_option(p, "each round's scoring of the pool")
    _add_dask_workers_option(p)
    _add_tweets_option(p)
    p.set_defaults(handler=_cmd_loop)

    p = sub.add_parser(
        "workshop",
        help="run an offline active-learning class: the students label, the model asks, a dashboard shows it",
        description=(
            "Start a fake Labelbox with the tutorial's project set up, a labelling page for students and a live\n"
            "dashboard for the teacher, and run the loop in the background, waiting for the students' labels.\n"
            "State lives in --run-dir (and the fake's SQLite file): rerun the same command to resume."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (0.0.0.0 for a classroom network)")
    p.add_argument("--port", type=_port, default=8765, help="the fake's port, with the labelling page (8765)")
    p.add_argument("--dashboard-port", type=_port, default=None, help="the dashboard's port (default: --port + 1)")
    p.add_argument("--run-dir", metavar="DIR", type=_folder, default="workshop-run", help="the loop's state (workshop-run)")
    p.add_argument("--db", metavar="PATH", type=_file, default=None, help="the fake's state file (default: RUN_DIR/fake_labelbox.sqlite)")
    p.add_argument("--rounds", type=_int_at_least(1), default=20, help="rounds to run (20)")
    p.add_argument("--batch", type=_int_at_least(1), default=10, help="tweets the model asks for per round (10)")
    p.add_argument(
        "--strategy", type=_strategy, default=defaults.STRATEGY,
        help=f"query strategy, one of: {_strategy_names()} ({defaults.STRATEGY})",
    )
    p.add_argument("--seed", type=_int_at_least(0), default=0, help="seed for seeded strategies (0)")
    p.add_argument("--api-key", default=None,
                   help="the fake's API key (default: drawn once and kept in RUN_DIR/api.key)")
    _add_tweets_option(p)
    p.set_defaults(handler=_cmd_workshop)

    p = sub.add_parser(
        "fake-server",
        help="run the fake Labelbox GraphQL server (a test double for the real API)",
        add_help=False,
    )
    p.set_defaults(handler=_cmd_fake_server, passthrough=True)
    return parser


def _cmd_reproduce(args: argparse.Namespace, rest: list[str]) -> int:
    from alrepro.reproduce import DEFAULT_SEEDS, reproduce

    if args.seeds == 0 and args.no_replica:
        raise AlreproError("nothing to run: --seeds 0 with --no-replica")
    result = reproduce(
        args.out,
        seeds=DEFAULT_SEEDS if args.seeds is None else args.seeds,
        strategies=args.strategies,
        baselines=args.baselines,
        batch_size=args.batch_size,
        budget=args.budget,
        encoder=args.encoder,
        source=_source(args),
        replica=not args.no_replica,
        workers=args.workers,
        engine=args.engine,
        progress=not args.no_progress,
        say=_say,
    )
    print(f"data: {result.data}", file=sys.stderr)
    print(result.summary)
    for name, digest in sorted(result.checksums.items()):
        print(f"{digest}  {result.out / name}")
    print(f"done in {result.seconds:.1f} s; outputs in {result.out}/")
    return 0


def _cmd_data(args: argparse.Namespace, rest: list[str]) -> int:
    from alrepro.data import build_canonical, describe, load_canonical
    from alrepro.dataset import describe_dataset, open_dataset
    from alrepro.paths import tweets_path

    source = _source(args)
    if not source.canonical:
        if args.build:
            raise AlreproError("--build redraws the canonical 8,000; it takes neither --dataset nor --draw-seed")
        print(describe_dataset(open_dataset(source)))
        return 0
    if args.build:
        sample = tweets_path(args.tweets)
        if sample is None:
            raise AlreproError("--build needs the 9,998-row sample: pass --tweets PATH or set ALREPRO_SENTIMENT140")
        for path in build_canonical(sample, args.out):
            print(f"wrote {path}")
        for path in _build_derived(sample, args.out):
            print(f"wrote {path}")
    data = load_canonical(args.tweets, data=args.out)
    print(describe(data))
    return 0


def _build_derived(sample, out):
    """The held-out table (when the hand-labelled file sits beside the sample) and both hashed-term caches."""
    from alrepro.data import load_canonical
    from alrepro.hashed_terms import write_terms
    from alrepro.heldout import build_heldout, default_source, heldout_dir, load_heldout
    from alrepro.paths import data_dir

    base = Path(out) if out is not None else data_dir()
    written = list(write_terms(load_canonical(sample, data=out), base / "features"))
    source = default_source(sample)
    if source is None:
        print("note: no testdata.manual.2009.06.14.csv beside the sample: the held-out set is not rebuilt",
              file=sys.stderr)
        return written
    held = base / "heldout" if out is not None else heldout_dir()
    written += build_heldout(source, held)
    written += write_terms(load_heldout(source, directory=held), held)
    return written


def _cmd_embed(args: argparse.Namespace, rest: list[str]) -> int:
    from alrepro.dataset import open_dataset
    from alrepro.embedding_jobs import check_cache, compute_cache

    progress = not args.no_progress
    source = _source(args)
    data = open_dataset(source)
    if args.check:
        result = check_cache(
            args.encoder, data, batch_size=args.batch_size, cache_dir=args.out, subset=args.subset,
            tolerance=args.tolerance, progress=progress, num_threads=args.threads,
        )
        print(result.summary())
        return 0 if result.ok else 1
    npz, manifest, seconds = compute_cache(
        args.encoder, data, batch_size=args.batch_size, cache_dir=args.out, progress=progress,
        num_threads=args.threads, engine=args.engine, workers=args.workers,
    )
    print(f"embedded {data.source} with {args.encoder} in {seconds:.1f} s")
    print(f"wrote {npz}")
    print(f"wrote {manifest}")
    from alrepro.heldout import compute_heldout_embeddings, default_source

    # the held-out set belongs to the canonical data: embedding another data set leaves its committed cache alone
    heldout = default_source(args.tweets) if source.canonical and args.out is None else None
    if heldout is not None:
        for path in compute_heldout_embeddings(args.encoder, heldout, batch_size=args.batch_size):
            print(f"wrote {path}")
    return 0


def _cmd_loop(args: argparse.Namespace, rest: list[str]) -> int:
    _require_modules("loop", LOOP_MODULES)
    from alrepro.engine import check_engine
    from alrepro.experiment import load_experiment_data
    from alrepro.labelbox import connect
    from alrepro.labelbox_loop import LoopConfig, run_loop
    from alrepro.pool_scoring import open_scorer

    check_engine(args.engine)  # refused before any data is read or cluster started
    source = _source(args)
    config = LoopConfig(
        args.strategy, args.rounds, args.batch, args.seed, args.encoder, args.project_name or source.name
    )
    data = load_experiment_data(source, args.encoder, texts=True, say=_say)
    if data.texts is None:
        print("note: no tweet file given; data rows carry placeholders naming the tweet id", file=sys.stderr)
    with open_scorer(args.engine, args.workers) as scorer, connect(
        args.backend, endpoint=args.endpoint, api_key=args.api_key, seed=args.seed
    ) as backend:
        print(f"backend: {backend.description}", file=sys.stderr)
        results = run_loop(
            backend,
            data,
            config,
            args.run_dir,
            label_timeout=args.label_timeout,
            on_round=lambda r: print(
                f"round {r.round:3d}  labels {r.labels:5d}  test AUC {r.auc:.4f}  priorities sent {r.sent_priorities}",
                flush=True,
            ),
            on_progress=lambda msg: print(msg, file=sys.stderr, flush=True),
            scorer=scorer,
        )
    print(f"done: {len(results)} rounds, {results[-1].labels if results else 0} labels; metrics in {args.run_dir}/")
    return 0


def _cmd_workshop(args: argparse.Namespace, rest: list[str]) -> int:
    _require_modules("loop", LOOP_MODULES)
    from alrepro.workshop import run_workshop

    return run_workshop(
        host=args.host,
        port=args.port,
        run_dir=args.run_dir,
        db_path=args.db,
        rounds=args.rounds,
        batch=args.batch,
        strategy=args.strategy,
        seed=args.seed,
        source=_source(args),
        dashboard_port=args.dashboard_port,
        api_key=args.api_key,
    )


def _cmd_fake_server(args: argparse.Namespace, rest: list[str]) -> int:
    _require_modules("fake", FAKE_MODULES)
    from fake_labelbox.cli import main as fake_main

    return fake_main(rest)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:  # --help and bad arguments end in SystemExit: their status is returned like any other
        args, rest = parser.parse_known_args(argv)
        if getattr(args, "command", None) is None:
            parser.print_help()
            return 0
        if rest and not getattr(args, "passthrough", False):
            parser.error(f"unrecognized arguments: {' '.join(rest)}")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return int(args.handler(args, rest) or 0)
    except AlreproError as exc:
        print(f"alrepro {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        if _fake_state_file_error(exc):  # the fake's --db file is in use, damaged or foreign: one line
            print(f"alrepro {args.command}: error: {exc}", file=sys.stderr)
            return 2
        if not type(exc).__module__.startswith(("lbox", "labelbox")):
            raise
        print(f"alrepro {args.command}: Labelbox error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"alrepro {args.command}: interrupted", file=sys.stderr)
        return 130


def _fake_state_file_error(exc: BaseException) -> bool:
    try:
        from fake_labelbox.errors import StateFileError
    except ImportError:  # the fake is an optional extra
        return False
    return isinstance(exc, StateFileError)


if __name__ == "__main__":
    raise SystemExit(main())

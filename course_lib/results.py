"""Headline metrics of a notebook run as JSON files, and a Markdown table built from them.

A run writes ``$COURSE_RESULTS_DIR/<notebook>.json`` (see :meth:`course_lib.runtime.Run.record`).
Build the course's table from one or more such folders, and bring the run times of the README's
curriculum table up to date from the same records::

    python -m course_lib.results results/smoke results/full > results/README.md
    python -m course_lib.results results/smoke results/full --readme README.md
"""
from __future__ import annotations

import argparse
import json
import math
import numbers
import os
import re
import sys
from pathlib import Path

RESULTS_ENV = "COURSE_RESULTS_DIR"
METRIC_NAME = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+){2,}$")
RECORD_KEYS = ("notebook", "profile", "backend", "device", "seconds", "metrics")
# Optional: the machine's load when the run ended (os.getloadavg()'s 15-minute figure) and its CPU count.
# Times measured while other jobs shared the CPUs are upper bounds; the README marks them.
LOAD_KEYS = ("load_average", "cpu_count")


def validate_metrics(metrics: dict) -> dict[str, float]:
    """Check names (``<dataset>_<model>_<measure>``, snake_case) and values; return plain numbers.

    Accuracies (names ending in ``_accuracy``) must be fractions in [0, 1], not percentages.
    """
    checked = {}
    for name, value in metrics.items():
        if not METRIC_NAME.match(name):
            raise ValueError(
                f"metric name {name!r} must be snake_case <dataset>_<model>_<measure>, "
                "e.g. 'mnist_mlp_test_accuracy'"
            )
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise ValueError(f"metric {name!r} must be a finite number, got {value!r}")
        value = int(value) if isinstance(value, numbers.Integral) else float(value)
        if name.endswith("_accuracy") and not 0.0 <= value <= 1.0:
            raise ValueError(f"accuracy {name!r} must be a fraction in [0, 1], got {value!r}")
        checked[name] = value
    return checked


def write_record(record: dict, directory: str | os.PathLike | None = None) -> Path | None:
    """Write one run's record as ``<directory>/<notebook>.json``; ``directory`` defaults to
    ``$COURSE_RESULTS_DIR``. Returns the path, or ``None`` when no directory is set."""
    missing = [key for key in RECORD_KEYS if key not in record]
    if missing:
        raise ValueError(f"a results record needs the keys {RECORD_KEYS}; missing {missing}")
    directory = directory if directory is not None else os.environ.get(RESULTS_ENV)
    if not directory:
        return None
    path = Path(directory) / f"{record['notebook']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    kept = {key: record[key] for key in (*RECORD_KEYS, *LOAD_KEYS) if key in record}
    path.write_text(json.dumps(kept, indent=2) + "\n")
    return path


def load_records(directory: str | os.PathLike) -> list[dict]:
    """Read every ``*.json`` record in ``directory``, sorted by notebook."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"no results folder at {directory}: run the notebooks with {RESULTS_ENV} set")
    records = []
    for path in sorted(directory.glob("*.json")):
        record = json.loads(path.read_text())
        missing = [key for key in RECORD_KEYS if key not in record]
        if missing:
            raise ValueError(f"{path} is not a results record: missing {missing}")
        records.append(record)
    return records


def format_value(name: str, value: float) -> str:
    """Accuracies as percentages, seconds with one decimal, counts with thousands separators."""
    if name.endswith("_accuracy"):
        return f"{100 * value:.2f}%"
    if isinstance(value, int):
        return f"{value:,}"
    if name.endswith("_seconds"):
        return f"{value:.1f} s"
    return f"{value:.4g}"


def results_table(runs: list[list[dict]]) -> str:
    """A Markdown report: one column per results folder (a profile), one row per metric."""
    labels = []
    for records in runs:
        profiles = sorted({record["profile"] for record in records}) or ["empty"]
        devices = sorted({record["device"] for record in records})
        labels.append(f"{'/'.join(profiles)} ({', '.join(devices) or 'no runs'})")
    by_run = [{record["notebook"]: record for record in records} for records in runs]
    notebooks = sorted(set().union(*by_run))

    lines = ["| notebook | " + " | ".join(f"seconds, {label}" for label in labels) + " |",
             "| --- |" + " ---: |" * len(labels)]
    for notebook in notebooks:
        cells = [f"{run[notebook]['seconds']:.0f}" if notebook in run else "" for run in by_run]
        lines.append(f"| {notebook} | " + " | ".join(cells) + " |")
    lines += ["", "| notebook | metric | " + " | ".join(labels) + " |",
              "| --- | --- |" + " ---: |" * len(labels)]
    for notebook in notebooks:
        names = list(dict.fromkeys(name for run in by_run if notebook in run
                                   for name in run[notebook]["metrics"]))
        for name in names:
            cells = []
            for run in by_run:
                metrics = run.get(notebook, {}).get("metrics", {})
                cells.append(format_value(name, metrics[name]) if name in metrics else "")
            lines.append(f"| {notebook} | `{name}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def format_duration(seconds: float) -> str:
    """Seconds as the README writes them: ``"48 s"``, ``"2 min 13 s"``."""
    seconds = round(seconds)
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60} s"


CURRICULUM_ROW = re.compile(r"^\| (?P<number>\d\d) \| (?P<lesson>\[[^]]*\]\(notebooks/(?P<notebook>[^)]+)\.ipynb\)) "
                            r"\| (?P<topics>.*?) \| (?P<smoke>[^|]*) \| (?P<full>[^|]*) \| (?P<colab>[^|]*) \|$")


def measured_on_a_busy_machine(record: dict) -> bool:
    """Whether the run ended with the machine busier than its cores could serve (15-minute load
    average above 1.5 jobs per core): its time is then an upper bound."""
    load, cores = record.get("load_average"), record.get("cpu_count")
    return load is not None and bool(cores) and load > 1.5 * cores


def format_time(record: dict) -> str:
    """A record's run time as the README's curriculum shows it, marked ``*`` when measured on a busy machine."""
    return format_duration(record["seconds"]) + (" *" if measured_on_a_busy_machine(record) else "")


def curriculum_with_times(readme: str, smoke: list[dict], full: list[dict]) -> str:
    """The README text with each curriculum row's smoke and full times taken from the records
    (a lesson without a record gets "not run"; see :func:`format_time`). Rows are ``| NN |
    [title](notebooks/NN_x.ipynb) | topics | smoke | full | colab |``; nothing else in the README changes."""
    by_profile = [{record["notebook"]: record for record in records} for records in (smoke, full)]

    def row(match):
        times = [format_time(records[match["notebook"]]) if match["notebook"] in records
                 else "not run" for records in by_profile]
        return (f"| {match['number']} | {match['lesson']} | {match['topics']} | {times[0]} | {times[1]} | "
                f"{match['colab']} |")

    return "\n".join(CURRICULUM_ROW.sub(row, line) for line in readme.split("\n"))


def main(argv: list[str] | None = None) -> int:
    """Command line: print the results table of the given folders as Markdown, or (``--readme``)
    write the first two folders' run times into the README's curriculum table."""
    parser = argparse.ArgumentParser(prog="python -m course_lib.results", description=main.__doc__)
    parser.add_argument("folders", nargs="+", help="results folders, e.g. results/smoke results/full")
    parser.add_argument("--readme", type=Path, help="README whose curriculum times to update (smoke folder first)")
    args = parser.parse_args(argv)
    try:
        runs = [load_records(folder) for folder in args.folders]
        if args.readme and len(runs) != 2:
            raise ValueError("--readme takes two folders: the smoke results, then the full results")
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.readme:
        args.readme.write_text(curriculum_with_times(args.readme.read_text(), *runs))
        print(f"updated the curriculum times in {args.readme}")
        return 0
    print("# Results\n")
    print("Built by `python -m course_lib.results " + " ".join(args.folders) + "` from the JSON "
          "records the notebooks wrote. Accuracies are on each dataset's test split unless the "
          "metric name says otherwise.\n")
    print(results_table(runs), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())

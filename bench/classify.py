"""Benchmark: the trained backend on held-out Karlsruhe council papers, against a baseline.

Split (fixed, independent of file order): a paper is held out when
`int(sha256(id)[:8], 16) % 100 < 20` (2,093 of 10,121 papers). Nothing held out is used
for training or for choosing the threshold. Each paper is read as the classifier reads
an incoming document: its title line, then its text (`--no-title`: text only).

Baseline, measured in the same run on the same split and input: TF-IDF (word 1-2-grams,
sublinear, min_df 2) + LinearSVC on the first 1,000 characters of the normalised text.
Also times a training on all 10,121 papers (the "10,000 papers < 60 s" target).

Cross-validation (`--folds 5`, the default; 0 skips it): the papers fall into folds by the
same hash (fold 0 of 5 is the split above), each fold is held out once from a model
trained on the others, baseline alike; reports each fold, median/mean/min/max, and the
figures pooled over all papers. One split of 2,093 papers is a noisy judge of a target
(the baseline's macro-F1 ranges 0.93-0.95 over splits; this split is its hardest).
Prediction speed is the median of `--repeat` passes over the held-out papers after a
first pass that starts the worker pool (`docs_per_s_first_call`: that pass). The model
uses `AMTSFLOW_CLASSIFY_WORKERS` processes (default: the usable cores, at most 4); the
baseline runs in one.

    .venv/bin/python bench/classify.py [--data FILE] [--no-title] [--write-split DIR]
        [--folds K] [--repeat N] [--skip-full-train]

The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # type: ignore[import-untyped]  # noqa: E402
from sklearn.pipeline import make_pipeline  # type: ignore[import-untyped]  # noqa: E402
from sklearn.svm import LinearSVC  # type: ignore[import-untyped]  # noqa: E402

from connectors.trained_model import (  # noqa: E402
    LabelledDocument,
    TrainedClassifier,
    load_documents,
    quality,
    train,
)
from connectors.trained_model.parallel import worker_count  # noqa: E402
from connectors.trained_model.views import normalise  # noqa: E402
from models.classification import Prediction  # noqa: E402

GOALS = {
    "accuracy": "0.975",
    "macro_f1": "0.96",
    "auto_accepted_accuracy": "0.995",
    "auto_accepted_share": "0.80",
}
"""The issue's quality targets, as they appear in the printed keys."""
SUMMARISED = ("accuracy", "macro_f1", "auto_accepted_share", "auto_accepted_accuracy")
DATA = ROOT.parent / "shared" / "fixtures" / "classification" / "karlsruhe-papers.jsonl.gz"


def _bucket(doc: LabelledDocument) -> int:
    digest = hashlib.sha256((doc.id or doc.text).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % 100


def held_out(doc: LabelledDocument) -> bool:
    return _bucket(doc) < 20


def fold_of(doc: LabelledDocument, folds: int) -> int:
    """The paper's fold; with 5 folds, fold 0 is exactly the held-out split above."""
    return _bucket(doc) * folds // 100


def meets(value: float | None, goal: float) -> bool:
    """A figure that could not be measured (nothing auto-accepted) meets no target."""
    return value is not None and value >= goal


def _summary(rows: list[dict[str, float | None]]) -> dict[str, dict[str, float | None]]:
    """Statistics over the folds; a figure missing in a fold (None) is left out."""

    def over(key: str, fn: Callable[[list[float]], float]) -> float | None:
        values = [v for r in rows if (v := r[key]) is not None]
        return round(fn(values), 4) if values else None

    return {
        stat: {key: over(key, fn) for key in rows[0]}
        for stat, fn in (
            ("median", statistics.median),
            ("mean", statistics.fmean),
            ("min", min),
            ("max", max),
        )
    }


def cross_validation(docs: list[LabelledDocument], folds: int, use_title: bool) -> dict[str, Any]:
    """Every paper held out once: `folds` models, each trained on the other folds.

    One split of 2,093 papers moves macro-F1 by about +-0.01 (the baseline's ranges from
    0.93 to 0.95 over splits), more than the gaps the targets ask about; the median and
    the pooled figures over all folds are the steadier estimate.
    """
    texts = [d.classification_text(use_title=use_title) for d in docs]
    truth = [str(d.label) for d in docs]
    which = [fold_of(d, folds) for d in docs]
    pooled: list[Prediction | None] = [None] * len(docs)
    ours: list[dict[str, float | None]] = []
    base: list[dict[str, float | None]] = []
    for fold in range(folds):
        train_at = [i for i, f in enumerate(which) if f != fold]
        test_at = [i for i, f in enumerate(which) if f == fold]
        started = time.perf_counter()
        model = train([texts[i] for i in train_at], [truth[i] for i in train_at])
        seconds = time.perf_counter() - started
        predictions = TrainedClassifier(model).classify([texts[i] for i in test_at])
        for i, prediction in zip(test_at, predictions, strict=True):
            pooled[i] = prediction
        figures = quality([truth[i] for i in test_at], predictions)
        ours.append({key: figures[key] for key in SUMMARISED} | {"train_seconds": seconds})
        b = baseline(
            [texts[i] for i in train_at],
            [truth[i] for i in train_at],
            [texts[i] for i in test_at],
            [truth[i] for i in test_at],
            repeat=1,
        )
        base.append({"accuracy": b["accuracy"], "macro_f1": b["macro_f1"]})
        print(f"fold {fold}: {ours[-1]} baseline {base[-1]}", flush=True)
    everything = quality(truth, [p for p in pooled if p is not None])
    return {
        "folds": folds,
        "per_fold": [{k: v if v is None else round(v, 4) for k, v in row.items()} for row in ours],
        "ours": _summary(ours),
        "baseline": _summary(base),
        "pooled": {key: everything[key] for key in SUMMARISED}
        | {"per_label_f1": {k: v["f1"] for k, v in everything["per_label"].items()}},
    }


def baseline(
    train_texts: list[str],
    train_labels: list[str],
    test_texts: list[str],
    test_labels: list[str],
    repeat: int,
) -> dict[str, float]:
    heads = [normalise(t)[:1000] for t in train_texts]
    started = time.perf_counter()
    model = make_pipeline(
        TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2), LinearSVC()
    ).fit(heads, train_labels)
    seconds = time.perf_counter() - started
    speeds = []
    for _ in range(repeat):
        started = time.perf_counter()
        guesses = model.predict([normalise(t)[:1000] for t in test_texts])
        speeds.append(len(test_texts) / (time.perf_counter() - started))
    return {
        "accuracy": round(accuracy_score(test_labels, guesses), 4),
        "macro_f1": round(f1_score(test_labels, guesses, average="macro"), 4),
        "train_seconds": round(seconds, 2),
        "docs_per_s": round(statistics.median(speeds), 1),
    }


def write_split(
    folder: Path, train_docs: list[LabelledDocument], test_docs: list[LabelledDocument]
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, docs in (("train", train_docs), ("heldout", test_docs)):
        with gzip.open(folder / f"{name}.jsonl.gz", "wt", encoding="utf-8") as handle:
            for doc in docs:
                handle.write(json.dumps(asdict(doc), ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--no-title", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write-split", type=Path)
    parser.add_argument("--skip-full-train", action="store_true")
    parser.add_argument("--folds", type=int, default=5, help="0: no cross-validation")
    args = parser.parse_args()
    use_title = not args.no_title

    docs = load_documents(args.data)
    train_docs = [d for d in docs if not held_out(d)]
    test_docs = [d for d in docs if held_out(d)]
    if args.write_split:
        write_split(args.write_split, train_docs, test_docs)
    texts = [d.classification_text(use_title=use_title) for d in train_docs]
    labels = [str(d.label) for d in train_docs]
    test_texts = [d.classification_text(use_title=use_title) for d in test_docs]
    truth = [str(d.label) for d in test_docs]
    print(f"{len(train_docs)} papers for training, {len(test_docs)} held out", flush=True)

    started = time.perf_counter()
    model = train(texts, labels)
    train_seconds = time.perf_counter() - started
    classifier = TrainedClassifier(model)
    started = time.perf_counter()
    classifier.classify(test_texts)  # starts the worker pool and ships the model once
    first_call = len(test_texts) / (time.perf_counter() - started)
    speeds = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        predictions = classifier.classify(test_texts)
        speeds.append(len(test_texts) / (time.perf_counter() - started))
    figures = quality(truth, predictions)
    base = baseline(texts, labels, test_texts, truth, args.repeat)

    full_seconds = None
    if not args.skip_full_train:
        started = time.perf_counter()
        train(texts + test_texts, labels + truth)
        full_seconds = round(time.perf_counter() - started, 2)

    result = {
        "held_out_papers": len(test_docs),
        "training_papers": len(train_docs),
        "title_line": use_title,
        "train_seconds": round(train_seconds, 2),
        "train_seconds_all_papers": full_seconds,
        "all_papers": len(docs),
        "docs_per_s": round(statistics.median(speeds), 1),
        "docs_per_s_first_call": round(first_call, 1),
        "workers": worker_count(),
        "accuracy": figures["accuracy"],
        "macro_f1": figures["macro_f1"],
        "threshold": round(model.threshold, 6),
        "auto_accepted_share": figures["auto_accepted_share"],
        "auto_accepted_accuracy": figures["auto_accepted_accuracy"],
        "validation_auto_accepted_share": model.meta.metrics["auto_accepted_share"],
        "validation_auto_accepted_accuracy": model.meta.metrics["auto_accepted_accuracy"],
        "calibration_error_validation": model.meta.metrics["calibration_error"],
        "per_label_f1": {k: v["f1"] for k, v in figures["per_label"].items()},
        "baseline": base,
        "ratios": {
            "errors_baseline_to_ours": round((1 - base["accuracy"]) / (1 - figures["accuracy"]), 2),
            "accuracy_gain": round(figures["accuracy"] - base["accuracy"], 4),
            "macro_f1_gain": round(figures["macro_f1"] - base["macro_f1"], 4),
            "train_time_ours_to_baseline": round(train_seconds / base["train_seconds"], 1),
            "speed_ours_to_baseline": round(statistics.median(speeds) / base["docs_per_s"], 3),
        },
    }
    targets = {
        **{f"{key}>={goal}": meets(result[key], float(goal)) for key, goal in GOALS.items()},
        "train_all_papers<60s": full_seconds is not None and full_seconds < 60,
        "docs_per_s>=1000": result["docs_per_s"] >= 1000,
    }
    result["targets_met"] = targets
    if args.folds:
        cv = cross_validation(docs, args.folds, use_title)
        result["cross_validation"] = cv
        medians, pooled = cv["ours"]["median"], cv["pooled"]
        result["targets_met_cross_validation"] = {
            f"{stat}_{key}>={goal}": meets(figures[key], float(goal))
            for stat, figures in (("median", medians), ("pooled", pooled))
            for key, goal in GOALS.items()
        }
    for key, value in result.items():
        if key not in (
            "per_label_f1",
            "baseline",
            "ratios",
            "targets_met",
            "cross_validation",
            "targets_met_cross_validation",
        ):
            print(f"{key:36} {value}")
    print("baseline", base)
    print("targets", targets)
    if args.folds:
        print("cross-validation", result["cross_validation"])
        print("targets (cross-validation)", result["targets_met_cross_validation"])
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

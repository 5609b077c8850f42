"""Benchmark: the trained backend on held-out Karlsruhe council papers, against a baseline.

Split (fixed, independent of file order): a paper is held out when
`int(sha256(id)[:8], 16) % 100 < 20` (2,093 of 10,121 papers). Nothing held out is used
for training or for choosing the threshold. Each paper is read as the classifier reads
an incoming document: its title line, then its text (`--no-title`: text only).

Baseline, measured in the same run on the same split and input: TF-IDF (word 1-2-grams,
sublinear, min_df 2) + LinearSVC on the first 1,000 characters of the normalised text.
Also times a training on all 10,121 papers (the "10,000 papers < 60 s" target).
Prediction speed is the median of `--repeat` passes over the held-out papers after a
first pass that starts the worker pool (`docs_per_s_first_call`: that pass). The model
uses `AMTSFLOW_CLASSIFY_WORKERS` processes (default: the usable cores, at most 4); the
baseline runs in one.

    .venv/bin/python bench/classify.py [--data FILE] [--no-title] [--write-split DIR]

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
from dataclasses import asdict
from pathlib import Path

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

DATA = ROOT.parent / "shared" / "fixtures" / "classification" / "karlsruhe-papers.jsonl.gz"


def held_out(doc: LabelledDocument) -> bool:
    digest = hashlib.sha256((doc.id or doc.text).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % 100 < 20


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
        "accuracy>=0.975": result["accuracy"] >= 0.975,
        "macro_f1>=0.96": result["macro_f1"] >= 0.96,
        "auto_accepted_accuracy>=0.995": result["auto_accepted_accuracy"] >= 0.995,
        "auto_accepted_share>=0.80": result["auto_accepted_share"] >= 0.80,
        "train_all_papers<60s": full_seconds is not None and full_seconds < 60,
        "docs_per_s>=1000": result["docs_per_s"] >= 1000,
    }
    result["targets_met"] = targets
    for key, value in result.items():
        if key not in ("per_label_f1", "baseline", "ratios", "targets_met"):
            print(f"{key:36} {value}")
    print("baseline", base)
    print("targets", targets)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""The four CPU runtimes of ml/runtimes.py on the same model and the same comments, in one run.

    .venv/bin/python benchmarks/runtimes.py --model runs/odd [--texts 256] [--repeats 3]

For each runtime: milliseconds per comment at batch 1 (64 comments), comments/s at batch 32,
the largest difference of a toxic probability from fp32's, and test F1 on the run's own test
sample (as when a version is registered). Runtimes are timed in turn within each repeat, so that
load from other processes hits them alike; the best repeat counts. Each figure is given twice: by
the wall clock, and by the CPU time of the calling thread (`time.thread_time`: with one thread,
torch and ONNX Runtime compute in the caller), which a machine shared with other work inflates
far less. Prints one JSON object.
Torch and ONNX Runtime both use OMP_NUM_THREADS threads (default 1, as the web server).
"""

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
THREADS = int(os.environ.setdefault("OMP_NUM_THREADS", "1"))
KEYS = ("ms_per_comment_batch1", "cpu_ms_per_comment_batch1", "comments_per_s_batch32", "comments_per_cpu_s_batch32")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="artifact directory written by `python -m ml train`")
    parser.add_argument("--texts", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-f1", action="store_true", help="skip test F1 (an untrained, shape-only model)")
    parser.add_argument("--data", default=os.environ.get("TOXILAB_DATA_DIR", ROOT.parent / "shared/data/wiki_toxic"))
    args = parser.parse_args()

    import torch

    from ml import runtimes

    torch.set_num_threads(THREADS)
    with open(Path(args.data) / "test.csv", newline="", encoding="utf-8") as f:
        texts = [row["comment_text"][:5000] for row, _ in zip(csv.DictReader(f), range(args.texts), strict=False)]
    classifiers = {name: runtimes.load(args.model, name) for name in runtimes.RUNTIMES}
    for classifier in classifiers.values():
        classifier.predict(texts[:2])  # warm-up
    speed = {name: {key: [] for key in KEYS} for name in classifiers}
    for _ in range(args.repeats):
        for name, classifier in classifiers.items():
            wall, cpu = time.perf_counter(), time.thread_time()
            for text in texts[:64]:
                classifier.predict_proba([text])
            speed[name]["ms_per_comment_batch1"].append((time.perf_counter() - wall) * 1000 / 64)
            speed[name]["cpu_ms_per_comment_batch1"].append((time.thread_time() - cpu) * 1000 / 64)
            wall, cpu = time.perf_counter(), time.thread_time()
            classifier.predict_proba(texts, batch_size=32)
            speed[name]["comments_per_s_batch32"].append(len(texts) / (time.perf_counter() - wall))
            speed[name]["comments_per_cpu_s_batch32"].append(len(texts) / (time.thread_time() - cpu))
    reference = classifiers[runtimes.FP32].predict_proba(texts)
    result = {
        "model": str(Path(args.model).resolve()),
        "torch_threads": THREADS,
        "texts": len(texts),
        "repeats": args.repeats,
        "load_average_1m": os.getloadavg()[0],
        "runtimes": {},
    }
    for name, classifier in classifiers.items():
        probs = classifier.predict_proba(texts)
        best = {key: (min if key.endswith("batch1") else max)(speed[name][key]) for key in KEYS}
        result["runtimes"][name] = {key: round(value, 2) for key, value in best.items()}
        diff = max(abs(a - b) for a, b in zip(probs, reference, strict=True))
        result["runtimes"][name]["max_probability_diff"] = round(diff, 5)
        if name != runtimes.FP32 and not args.no_f1:
            check = runtimes.compare_f1(args.model, name)
            result["runtimes"][name]["test_f1"] = round(check.runtime_f1, 4)
            result["runtimes"][runtimes.FP32]["test_f1"] = round(check.fp32_f1, 4)
            result["f1_texts"] = check.texts
    result["load_average_1m_after"] = os.getloadavg()[0]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

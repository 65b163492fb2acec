"""Word explanations measured: faithfulness per runtime and for the baseline, and what they add to a check.

    .venv/bin/python benchmarks/explanations.py --model runs/odd [--baseline runs/baseline]
        [--runtimes torch-fp32,onnx-int8] [--comments 100] [--speed 60] [--mixed 200] [--database-url ...]

Faithfulness, on real test comments that the model calls toxic (at its run's tuned threshold), of 6
to 100 words: deleting the 3 highest-scored words must lower p(toxic) more than deleting 3 random
words (seeded) in at least 80 % of them, and on average by at least 3x as much. Each runtime explains
and scores its own verdicts (Classifier.explain, ml.runtimes.load); the baseline is measured alike.

Speed (with --speed N, the first runtime): daphne serving the model as `make run` does; N real test
comments of up to 100 words, each checked without and then with "explain": true, alternating, one
client; p50/p95 of the time each adds. With --mixed M, M requests from 32 clients of which 10 %
ask for explanations: p95 of the plain checks beside them against 32 clients of plain checks alone.
Prints one JSON object; nothing is asserted. The machine may be shared: quote load_average_1m.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
THREADS = int(os.environ.setdefault("OMP_NUM_THREADS", "1"))
MIN_WORDS, MAX_WORDS, DELETED = 6, 100, 3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="a transformer run directory")
    parser.add_argument("--baseline", help="a baseline run directory, measured alike")
    parser.add_argument("--runtimes", default="torch-fp32,onnx-int8")
    parser.add_argument(
        "--comments", type=int, default=100, help="toxic-called comments per faithfulness run (0: none)"
    )
    parser.add_argument("--speed", type=int, default=0, help="comments timed through the API (0: none)")
    parser.add_argument("--mixed", type=int, default=0, help="requests of the 32-client mixed load (0: none)")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    parser.add_argument("--data", default=os.environ.get("TOXILAB_DATA_DIR", ROOT.parent / "shared/data/wiki_toxic"))
    args = parser.parse_args()

    import torch

    from ml import runtimes
    from ml.artifacts import read_metrics

    torch.set_num_threads(THREADS)
    texts = comments(Path(args.data) / "test.csv")
    result = {"model": str(Path(args.model).resolve()), "torch_threads": THREADS, "load_average_1m": os.getloadavg()[0]}
    result["faithfulness"] = {}
    names = args.runtimes.split(",")
    for name in names if args.comments else ():
        threshold = read_metrics(args.model).get("threshold", 0.5)
        result["faithfulness"][name] = faithfulness(runtimes.load(args.model, name, threshold), texts, args.comments)
    if args.baseline and args.comments:
        baseline = runtimes.load(args.baseline, threshold=read_metrics(args.baseline).get("threshold", 0.5))
        result["faithfulness"]["baseline"] = faithfulness(baseline, texts, args.comments)
    if args.speed or args.mixed:
        result["speed"] = speed(args, names[0], texts)
    result["load_average_1m_after"] = os.getloadavg()[0]
    print(json.dumps(result, indent=2))


def comments(path):
    """Test comments of MIN_WORDS to MAX_WORDS words, in the file's order."""
    import csv

    from ml.words import word_spans

    with open(path, newline="", encoding="utf-8") as f:
        rows = [row["comment_text"] for row in csv.DictReader(f)]
    return [text for text in rows if MIN_WORDS <= len(word_spans(text)) <= MAX_WORDS]


def without(text, words):
    """`text` with the character ranges of `words` deleted."""
    out, at = [], 0
    for word in sorted(words, key=lambda w: w.start):
        out.append(text[at : word.start])
        at = word.end
    return "".join(out) + text[at:]


def faithfulness(classifier, texts, wanted):
    """Over the first `wanted` comments the classifier calls toxic: the drop in p(toxic) when its 3
    top-scored words are deleted against 3 random ones, and how long each explanation took."""
    rng = random.Random(0)
    top_drops, random_drops, wins, seconds, scanned = [], [], 0, [], 0
    for start in range(0, len(texts), 64):
        if len(top_drops) >= wanted:
            break
        batch = texts[start : start + 64]
        scanned += len(batch)
        for text, p in zip(batch, classifier.predict_proba(batch), strict=True):
            if p < classifier.threshold or len(top_drops) >= wanted:
                continue
            started = time.perf_counter()
            [explanation] = classifier.explain([text])
            seconds.append(time.perf_counter() - started)
            top = explanation.top(DELETED)
            chosen = rng.sample(list(explanation.words), DELETED)
            p_top, p_random = classifier.predict_proba([without(text, top), without(text, chosen)])
            top_drops.append(explanation.toxic_probability - p_top)
            random_drops.append(explanation.toxic_probability - p_random)
            wins += top_drops[-1] > random_drops[-1]
    mean_top, mean_random = statistics.fmean(top_drops), statistics.fmean(random_drops)
    return {
        "runtime": classifier.runtime,
        "comments": len(top_drops),
        "scanned": scanned,
        "top_beats_random": wins,
        "top_beats_random_pct": round(100 * wins / len(top_drops), 1),
        "mean_drop_top3": round(mean_top, 4),
        "mean_drop_random3": round(mean_random, 4),
        "ratio": round(mean_top / mean_random, 2) if mean_random > 0 else None,  # None: random deletions raised p
        "meets_targets": wins >= 0.8 * len(top_drops) and mean_top >= 3 * mean_random,
        "explain_ms_p50": round(1000 * statistics.median(seconds), 1),
        "explain_ms_p95": round(1000 * statistics.quantiles(seconds, n=20, method="inclusive")[18], 1),
        "targets": {"top_beats_random_pct": 80, "ratio": 3},
    }


def speed(args, runtime, texts):
    from benchmarks.api_load import server, summary, webapp

    sample = texts[: max(args.speed, 1)]
    out = {"runtime": runtime, "comments": len(sample)}
    with tempfile.TemporaryDirectory() as tmp:
        app = webapp(args.model, args.database_url, None, tmp, runtime=runtime)
        with server(app) as port:
            if args.speed:
                out["single_client"] = added_latency(port, sample)
            if args.mixed:
                out["mixed_32_clients"] = mixed(port, texts, args.mixed, summary)
    return out


def added_latency(port, sample):
    post = poster(port)
    post(sample[0], False), post(sample[0], True)  # warm-up
    plain, explained = [], []
    for text in sample:
        plain.append(post(text, False))
        explained.append(post(text, True))
    added = [e - p for e, p in zip(explained, plain, strict=True)]
    q = statistics.quantiles(added, n=20, method="inclusive")
    return {
        "plain_p50_ms": round(statistics.median(plain), 1),
        "explained_p50_ms": round(statistics.median(explained), 1),
        "added_p50_ms": round(statistics.median(added), 1),
        "added_p95_ms": round(q[18], 1),
        "target_added_p95_ms": 300,
    }


def mixed(port, texts, requests, summary):
    """32 clients, plain checks alone, then with 10 % of requests asking for explanations."""
    from concurrent.futures import ThreadPoolExecutor

    rng = random.Random(1)
    out = {}
    for name, share in (("plain_only", 0.0), ("ten_percent_explain", 0.1)):
        jobs = [(rng.choice(texts), rng.random() < share) for _ in range(requests)]
        posts = [poster(port) for _ in range(32)]
        started = time.perf_counter()
        with ThreadPoolExecutor(32) as pool:
            timed = list(pool.map(sent, posts, [jobs[i::32] for i in range(32)]))
        seconds = time.perf_counter() - started
        plain = [ms for part in timed for explain, ms in part if not explain]
        out[name] = {"plain_checks": summary(plain, seconds), "explained": sum(e for part in timed for e, _ in part)}
    return out


def sent(post, jobs):
    """(explained, milliseconds) of each (text, explain) of `jobs`, sent one after another."""
    return [(explain, post(text, explain)) for text, explain in jobs]


def poster(port):
    """POST one text (with or without "explain"); returns the milliseconds it took."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def post(text, explain):
        body = json.dumps({"text": text, "explain": explain})
        started = time.perf_counter()
        connection.request("POST", "/api/v1/check", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {payload[:200]!r}")
        return (time.perf_counter() - started) * 1000

    return post


if __name__ == "__main__":
    main()

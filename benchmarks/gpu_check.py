"""The GPU path, proven through ml.train: throughput of every method and a real MiniLM run. Prints JSON.

    python benchmarks/gpu_check.py prepare --out .gpu-check     # here: assets small enough to carry
    python benchmarks/gpu_check.py run --assets .gpu-check       # on the GPU machine (scripts/gpu_check.sh)

`prepare` writes the bundled MiniLM at half precision (about 45 MB: the transfer limit) with its
tokenizer, and a random sample of the real data, into an ignored folder. `run` then measures, with
ml's own defaults (precision "auto": bf16 where the card supports it, else fp16):

- throughput: samples/s of 100 training batches of 32 at max_length 128 for each transformer method of
  ml.methods (teacher, odd, even, LoRA, ...), on a randomly initialised bert-base (BertConfig()
  defaults, 12 layers; weights don't change speed, and nothing is downloaded), with the peak GPU
  memory of each run;
- a short real run: the MiniLM (restored to fp32, as the bundled one is) fine-tuned on the sample,
  and its test F1.

Without a GPU it runs the same on the CPU and says so (`"device": "cpu"`); `--tiny` shrinks
everything so that this takes seconds (the test of this script uses it).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLE_ROWS = {"train": 4000, "validation": 1000, "test": 1000}
FULL = {
    "steps": 100,
    "batch_size": 32,
    "max_length": 128,
    "minilm_train": 2000,
    "minilm_eval": 1000,
    "minilm_epochs": 2,
    "minilm_max_length": 128,
}
# On a CPU, in seconds: a 2-layer hidden-32 stand-in for bert-base, and a few MiniLM steps.
TINY = {
    "steps": 2,
    "batch_size": 16,
    "max_length": 16,
    "minilm_train": 16,
    "minilm_eval": 16,
    "minilm_epochs": 1,
    "minilm_max_length": 16,
}


def main() -> None:
    from tests.support.paths import data_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    prepare_cmd = commands.add_parser("prepare", help="write the fp16 MiniLM and a data sample to --out")
    prepare_cmd.add_argument("--out", type=Path, default=ROOT / ".gpu-check")
    prepare_cmd.add_argument("--data", type=Path, default=data_dir())
    run_cmd = commands.add_parser("run", help="measure, print JSON")
    run_cmd.add_argument("--assets", type=Path, default=ROOT / ".gpu-check")
    run_cmd.add_argument("--tiny", action="store_true", help="tiny sizes (CPU test)")
    run_cmd.add_argument("--json-out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s")
    if args.command == "prepare":
        print(json.dumps(prepare(args.out, args.data), indent=2))
        return
    report = run(args.assets, TINY if args.tiny else FULL)
    text = json.dumps(report, indent=2)
    if args.json_out:
        args.json_out.write_text(text + "\n")
    print(text)


def prepare(out: Path, data: Path) -> dict:
    """The MiniLM at fp16 with its tokenizer (out/minilm-fp16) and a sample of each split (out/data)."""
    import pandas as pd
    import torch

    from ml.models import load_classifier

    model, tokenizer = load_classifier("bundled-minilm")
    model.to(torch.float16).save_pretrained(out / "minilm-fp16")
    tokenizer.save_pretrained(out / "minilm-fp16")
    (out / "data").mkdir(parents=True, exist_ok=True)
    for split, rows in SAMPLE_ROWS.items():
        frame = pd.read_csv(data / f"{split}.csv", dtype=str, keep_default_na=False)
        frame.sample(n=min(rows, len(frame)), random_state=0).to_csv(out / "data" / f"{split}.csv", index=False)
    size = sum(path.stat().st_size for path in out.rglob("*") if path.is_file())
    return {"assets": str(out), "size_mib": round(size / 2**20, 1)}


def run(assets: Path, sizes: dict) -> dict:
    import torch

    from ml.methods import transformer_names

    started = time.perf_counter()
    data = assets / "data"
    cuda = torch.cuda.is_available()
    if cuda:  # CUDA context and cuBLAS set up before the first timed run, not inside it
        torch.ones(1024, 1024, device="cuda").matmul(torch.ones(1024, 1024, device="cuda")).sum().item()
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp:
        tmp = Path(tmp)
        minilm = restore_fp32(assets / "minilm-fp16", tmp / "minilm")
        teacher = random_bert_base(minilm, tmp / "bert-base-random", tiny=sizes is TINY)
        throughput = {
            method: train_run(
                method,
                teacher,
                data,
                tmp / f"speed-{method}",
                cuda,
                max_train_samples=sizes["steps"] * sizes["batch_size"],
                max_eval_samples=sizes["batch_size"],
                epochs=1,
                batch_size=sizes["batch_size"],
                max_length=sizes["max_length"],
                **_own_options(method),
            )
            for method in transformer_names()
        }
        real = train_run(
            "teacher",
            minilm,
            data,
            tmp / "minilm-run",
            cuda,
            max_train_samples=sizes["minilm_train"],
            max_eval_samples=sizes["minilm_eval"],
            epochs=sizes["minilm_epochs"],
            batch_size=sizes["batch_size"],
            max_length=sizes["minilm_max_length"],
        )
    return {
        "device": real["device"],
        "card": torch.cuda.get_device_name() if cuda else None,
        "precision": real["precision"],
        "software": {
            "python": sys.version.split()[0],
            "torch": torch.__version__,
            "cuda": torch.version.cuda,
            "transformers": _version("transformers"),
            "accelerate": _version("accelerate"),
        },
        "throughput_model": "bert-base-uncased shape, random weights" if sizes is FULL else "tiny random BERT",
        "throughput_setup": {
            "steps": sizes["steps"],
            "batch_size": sizes["batch_size"],
            "max_length": sizes["max_length"],
        },
        "samples_per_s": {method: row["samples_per_s"] for method, row in throughput.items()},
        "peak_gpu_memory_mib": {method: row["peak_gpu_memory_mib"] for method, row in throughput.items()},
        "throughput": throughput,
        "minilm": {key: real[key] for key in ("test_f1", "samples_per_s", "train_seconds", "peak_gpu_memory_mib")}
        | {"train_samples": sizes["minilm_train"], "epochs": sizes["minilm_epochs"]},
        "minilm_test_f1": real["test_f1"],
        "seconds": round(time.perf_counter() - started, 1),
    }


def restore_fp32(source: Path, out: Path) -> str:
    """The carried fp16 MiniLM back in fp32, as the bundled model is: ml trains fp32 weights under autocast."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(source, dtype=torch.float32)
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(source).save_pretrained(out)
    return str(out)


def random_bert_base(tokenizer_dir: str, out: Path, tiny: bool) -> str:
    """A randomly initialised bert-base (BertConfig() defaults: 12 layers, hidden 768) with the
    MiniLM's tokenizer, which is bert-base-uncased's vocabulary."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    tiny_shape = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64}
    shape = tiny_shape if tiny else {}
    BertForSequenceClassification(BertConfig(num_labels=2, **shape)).save_pretrained(out)
    AutoTokenizer.from_pretrained(tokenizer_dir).save_pretrained(out)
    return str(out)


def _own_options(name: str) -> dict:
    """What a method needs besides the shared options: a custom-map student its map (two layers, which
    every teacher here has; its speed is that of any 2-layer student)."""
    from ml import methods

    return {"layers": "0,1"} if methods.get(name).needs_layer_map else {}


def train_run(method: str, teacher: str, data: Path, output: Path, cuda: bool, **options) -> dict:
    """One ml.train run with ml's defaults (precision "auto"); its figures and peak GPU memory."""
    import torch

    import ml

    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    metrics = ml.train(
        {
            "method": method,
            "teacher": teacher,
            "dataset": str(data),
            "output": str(output),
            "log_every_steps": 10,
            **options,
        }
    ).metrics
    peak = round(torch.cuda.max_memory_allocated() / 2**20) if cuda else None
    return {
        "samples_per_s": metrics["samples_per_s"],
        "train_seconds": metrics["train_seconds"],
        "peak_gpu_memory_mib": peak,
        "device": metrics["device"],
        "precision": metrics["precision"],
        "trainable_parameters": metrics["parameters"]["trainable"],
        "test_f1": metrics["test"]["f1"],
    }


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


if __name__ == "__main__":
    main()

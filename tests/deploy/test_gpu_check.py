"""scripts/gpu_check.sh, on a machine without a GPU: it prepares its carried assets, then runs the
methods of ml.methods and the MiniLM through ml.train on the CPU and prints the same JSON it prints on CUDA."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ml.methods import transformer_names

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def assets(tmp_path_factory, data_dir):
    out = tmp_path_factory.mktemp("gpu-check")
    subprocess.run(
        [sys.executable, "benchmarks/gpu_check.py", "prepare", "--out", str(out), "--data", str(data_dir)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


def test_prepare_writes_a_half_precision_minilm_small_enough_to_carry_and_a_data_sample(assets):
    from safetensors import safe_open

    weights = assets / "minilm-fp16" / "model.safetensors"
    with safe_open(str(weights), "pt") as tensors:
        assert {str(tensors.get_tensor(name).dtype) for name in tensors.keys()} == {"torch.float16"}
    assert weights.stat().st_size < 50 * 2**20 and (assets / "minilm-fp16" / "tokenizer.json").is_file()
    assert all((assets / "data" / f"{split}.csv").is_file() for split in ("train", "validation", "test"))


def test_without_a_gpu_it_falls_back_to_the_cpu_and_prints_every_figure(assets, tmp_path):
    env = {**os.environ, "PYTHON": sys.executable, "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"}
    command = ["scripts/gpu_check.sh", "--tiny", "--assets", str(assets), "--json-out", str(tmp_path / "r.json")]
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)

    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report == json.loads((tmp_path / "r.json").read_text())
    assert (report["device"], report["card"]) == ("cpu", None) and report["precision"] in ("fp32", "bf16")
    assert set(report["samples_per_s"]) == set(report["peak_gpu_memory_mib"]) == set(transformer_names())
    assert all(rate > 0 for rate in report["samples_per_s"].values())
    assert all(row["device"] == "cpu" for row in report["throughput"].values())
    assert set(report["peak_gpu_memory_mib"].values()) == {None}
    assert 0.0 <= report["minilm_test_f1"] <= 1.0 and report["minilm"]["test_f1"] == report["minilm_test_f1"]

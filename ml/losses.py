"""Distillation loss: weighted cross-entropy, temperature-scaled KL and cosine-embedding terms."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

from ml.names import LOSS_TERMS

if TYPE_CHECKING:
    from transformers.modeling_outputs import SequenceClassifierOutput


def kl_term(student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """KL(softmax(t/T) || softmax(s/T)) * T^2, averaged over the batch."""
    log_student = F.log_softmax(student_logits / temperature, dim=-1)
    teacher_probs = F.softmax(teacher_logits / temperature, dim=-1)
    return F.kl_div(log_student, teacher_probs, reduction="batchmean") * temperature**2


def cosine_term(student_vectors: torch.Tensor, teacher_vectors: torch.Tensor) -> torch.Tensor:
    """Cosine-embedding loss pulling each student vector towards its teacher vector (1 - cos)."""
    target = student_vectors.new_ones(student_vectors.size(0))
    return F.cosine_embedding_loss(student_vectors, teacher_vectors, target)


def distillation_loss(
    student_out: SequenceClassifierOutput,
    teacher_out: SequenceClassifierOutput,
    labels: torch.Tensor,
    *,
    temperature: float,
    alpha_cls: float,
    alpha_div: float,
    alpha_cos: float,
    cos_on: str = "hidden",
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Total loss and its three components (as floats detached for logging).

    cos_on="hidden" compares the last-layer [CLS] hidden states; "logits" compares the logits,
    as the original study did.
    """
    cls = F.cross_entropy(student_out.logits, labels)
    div = kl_term(student_out.logits, teacher_out.logits, temperature)
    if cos_on == "hidden":
        cos = cosine_term(student_out.hidden_states[-1][:, 0], teacher_out.hidden_states[-1][:, 0])
    else:
        cos = cosine_term(student_out.logits, teacher_out.logits)
    total = alpha_cls * cls + alpha_div * div + alpha_cos * cos
    return total, dict(zip(LOSS_TERMS, (cls.detach(), div.detach(), cos.detach()), strict=True))

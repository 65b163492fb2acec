"""The names ml and its callers share: the labels, the default threshold and the serving runtimes.

The bottom floor of ml (no imports): the web app's choices, schemas and defaults read these, so a
new runtime or a changed default is written once.
"""

from __future__ import annotations

LABELS = {0: "non-toxic", 1: "toxic"}  # the classifiers' output index -> the label people read
DEFAULT_THRESHOLD = 0.5  # a comment is called toxic at this probability when a run tuned no threshold

# The runtimes that serve a transformer run (ml.runtimes) and the baseline's own, with their labels.
FP32 = "torch-fp32"
BF16 = "torch-bf16"
TORCH_INT8 = "torch-int8"
ONNX_FP32 = "onnx-fp32"
ONNX_INT8 = "onnx-int8"
SKLEARN = "sklearn"
RUNTIME_LABELS = {
    FP32: "PyTorch fp32",
    BF16: "PyTorch bf16",
    TORCH_INT8: "PyTorch dynamic int8",
    ONNX_FP32: "ONNX Runtime fp32",
    ONNX_INT8: "ONNX Runtime dynamic int8",
    SKLEARN: "scikit-learn",
}
TRANSFORMER_RUNTIMES = (FP32, BF16, TORCH_INT8, ONNX_FP32, ONNX_INT8)

# The loss terms a training step logs besides the total, with what each measures (the charts' legends):
# a student logs all three (ml.losses.distillation_loss), every other method the cross-entropy alone.
LOSS_TERM_LABELS = {"cls": "cross-entropy", "div": "KL to teacher", "cos": "cosine to teacher"}
LOSS_TERMS = tuple(LOSS_TERM_LABELS)
CROSS_ENTROPY = LOSS_TERMS[0]

# The identity templates' fixed sample that every run's bias report scores (ml/bias.py), and its seed.
BIAS_SAMPLE_SIZE = 10_000
BIAS_SAMPLE_SEED = 24

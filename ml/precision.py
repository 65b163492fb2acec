"""Which number format a run computes in: bf16 where the hardware computes it natively, fp32 elsewhere.

bf16 autocast keeps the weights and the optimizer in fp32 and runs the matrix products in bf16. On CPUs
with AVX-512 bf16 or AMX units it runs the bundled MiniLM's training steps about 2.5x and its
inference about 3x faster than fp32 (docs/BENCHMARKS.md); without them torch emulates bf16, slower
than fp32, so `auto` keeps fp32 there.
"""

from __future__ import annotations

import torch

from ml.errors import ConfigError

# TrainConfig.precision -> accelerate's mixed_precision
ACCELERATE = {"fp32": "no", "bf16": "bf16", "fp16": "fp16"}


def native_bf16(device_type: str) -> bool:
    """Whether `device_type` ("cpu" or "cuda") computes bf16 matrix products natively."""
    if device_type == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    if device_type != "cpu" or not torch.backends.mkldnn.is_available():
        return False
    try:  # oneDNN's own check of the CPU flags (avx512_bf16, amx_bf16)
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def resolve(precision: str, device_type: str) -> str:
    """The format a run with option `precision` computes in on `device_type`: "auto" becomes bf16 where it
    is native, fp16 on a GPU without bf16, else fp32; fp16 on a CPU is a ConfigError (no fast path)."""
    if precision == "auto":
        if native_bf16(device_type):
            return "bf16"
        return "fp16" if device_type == "cuda" else "fp32"
    if precision == "fp16" and device_type != "cuda":
        raise ConfigError("precision", "fp16 needs a GPU; on a CPU choose bf16 or fp32")
    return precision


def autocast(precision: str, device_type: str = "cpu"):
    """The autocast context of a resolved precision (a no-op context for fp32)."""
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device_type, dtype=dtype, enabled=precision in ("bf16", "fp16"))

"""The training loop on Accelerate: one class with named steps (step, optimize, evaluate, fit)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import torch
from transformers import get_linear_schedule_with_warmup

from ml.config import TrainConfig
from ml.errors import ConfigError, NonFiniteLossError
from ml.evaluate import evaluate_split
from ml.losses import distillation_loss
from ml.names import CROSS_ENTROPY
from ml.progress import OnBatch, Progress

if TYPE_CHECKING:
    from accelerate import Accelerator
    from torch.utils.data import DataLoader
    from transformers import PreTrainedModel
    from transformers.modeling_outputs import SequenceClassifierOutput

MAX_TOTAL_STEPS = 2**31 - 1  # the step counters people and databases keep are 32-bit signed integers


class Trainer:
    """Trains `model` (and distils from `teacher` when given) on prepared dataloaders.

    The caller builds the model, data and Accelerator; the trainer only runs the loop, reports
    progress, polls `should_stop` every step and keeps the best state by validation F1.
    """

    def __init__(
        self,
        cfg: TrainConfig,
        accelerator: Accelerator,
        model: PreTrainedModel,
        train_loader: DataLoader,
        eval_loader: DataLoader,
        *,
        teacher: PreTrainedModel | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        self.cfg = cfg
        self.accelerator = accelerator
        self.teacher = teacher
        self.on_progress = on_progress or (lambda progress: None)
        self.should_stop = should_stop or (lambda: False)
        self.total_steps = cfg.epochs * len(train_loader)
        if self.total_steps > MAX_TOTAL_STEPS:
            raise ConfigError(
                "epochs", f"{cfg.epochs} epochs of {len(train_loader)} steps exceed {MAX_TOTAL_STEPS} steps"
            )
        trainable = [p for p in model.parameters() if p.requires_grad]
        # fused: one kernel over every tensor instead of a loop per tensor; on the CPU it cut the bundled
        # MiniLM's optimizer step, most of it the dense update of the 30,522-word embedding table, from
        # about 120 ms to 20 ms (docs/BENCHMARKS.md)
        fused = accelerator.device.type in ("cpu", "cuda")
        optimizer = torch.optim.AdamW(trainable, lr=cfg.lr, weight_decay=cfg.weight_decay, fused=fused)
        scheduler = get_linear_schedule_with_warmup(
            optimizer, int(cfg.warmup_ratio * self.total_steps), self.total_steps
        )
        self.model, self.optimizer, self.train_loader, self.scheduler = accelerator.prepare(
            model, optimizer, train_loader, scheduler
        )
        if teacher is not None:
            self.teacher = accelerator.prepare_model(teacher, evaluation_mode=True)
            self.teacher.eval()
        self.eval_loader = eval_loader
        self.history: list[dict] = []
        self.best_f1 = -1.0
        self.best_state: dict | None = None
        self.cancelled = False
        self.samples_seen = 0
        self.steps_done = 0
        self.train_seconds = 0.0  # wall time of fit(), evaluations included
        self.eval_seconds = 0.0

    def step(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Forward passes and the weighted loss for one batch."""
        labels = batch.pop("labels")
        if self.teacher is None:
            out = self.model(**batch)
            loss = torch.nn.functional.cross_entropy(out.logits.float(), labels)
            return loss, {CROSS_ENTROPY: loss.detach()}
        want_hidden = self.cfg.cos_on == "hidden"
        with torch.no_grad():
            teacher_out = self.teacher(**batch, output_hidden_states=want_hidden)
        student_out = self.model(**batch, output_hidden_states=want_hidden)
        return distillation_loss(
            _float_out(student_out),
            _float_out(teacher_out),
            labels,
            temperature=self.cfg.temperature,
            alpha_cls=self.cfg.alpha_cls,
            alpha_div=self.cfg.alpha_div,
            alpha_cos=self.cfg.alpha_cos,
            cos_on=self.cfg.cos_on,
        )

    def optimize(self, loss: torch.Tensor) -> None:
        self.accelerator.backward(loss)
        if self.accelerator.sync_gradients:
            self.accelerator.clip_grad_norm_(self.model.parameters(), self.cfg.max_grad_norm)
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)

    def evaluate(self, step: int, epoch: float) -> dict:
        """Validation metrics at the current weights; remembers the best state by F1."""
        started = time.perf_counter()
        model = self.accelerator.unwrap_model(self.model)
        metrics = evaluate_split(
            model,
            self.eval_loader,
            device=self.accelerator.device,
            on_batch=self.eval_progress("validation", step, epoch),
        )
        self.eval_seconds += time.perf_counter() - started
        if metrics["f1"] > self.best_f1:
            self.best_f1 = metrics["f1"]
            self.best_state = {
                k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items() if _is_trained(k, model)
            }
            metrics["best"] = True
        self._report(Progress("eval", step, self.total_steps, epoch, split="validation", metrics=metrics))
        return metrics

    def fit(self) -> None:
        """Run every epoch (or until should_stop), then restore the best validated weights."""
        step, window = 0, _Window()
        started = time.perf_counter()
        for epoch in range(self.cfg.epochs):
            self.model.train()
            for batch in self.train_loader:
                if self.should_stop():
                    self.cancelled = True
                    break
                batch_size = batch["labels"].size(0)
                loss, components = self.step(batch)
                step += 1
                self.steps_done = step
                self._check_finite(step, loss, components)
                self.optimize(loss)
                self.samples_seen += batch_size
                window.add(loss, components)
                if step == 1 or step % self.cfg.log_every_steps == 0 or step == self.total_steps:
                    self.train_seconds = time.perf_counter() - started
                    self._log_step(step, epoch, window.flush())
                if self.cfg.eval_every_steps and step % self.cfg.eval_every_steps == 0:
                    self.evaluate(step, step / len(self.train_loader))
                    self.model.train()
            if self.cancelled:
                break
            if not (self.cfg.eval_every_steps and step % self.cfg.eval_every_steps == 0):
                self.evaluate(step, epoch + 1.0)
        self.train_seconds = time.perf_counter() - started
        self._restore_best()

    @property
    def samples_per_s(self) -> float | None:
        """Training throughput, evaluation time excluded."""
        busy = self.train_seconds - self.eval_seconds
        return self.samples_seen / busy if busy > 0 else None

    def _log_step(self, step: int, epoch: int, means: dict[str, float]) -> None:
        samples_per_s = self.samples_per_s
        eta = (self.total_steps - step) * self.train_seconds / step
        self._report(
            Progress(
                "step",
                step,
                self.total_steps,
                epoch + _fraction(step, len(self.train_loader)),
                loss=means.pop("loss"),
                components=means,
                lr=self.scheduler.get_last_lr()[0],
                samples_per_s=samples_per_s,
                eta_s=eta,
            )
        )

    def eval_progress(self, split: str, step: int | None = None, epoch: float | None = None) -> OnBatch:
        """An on_batch(done, total) callback that reports kind="evaluating" progress of a pass over `split`.

        Not kept in the history: it says how far a pass is, for live views (the CLI bar, the job page).
        """
        step = self.steps_done if step is None else step
        epoch = float(self.cfg.epochs) if epoch is None else epoch
        started = time.perf_counter()

        def on_batch(done: int, total: int) -> None:
            if not self.accelerator.is_main_process:
                return
            elapsed = time.perf_counter() - started
            self.on_progress(
                Progress(
                    "evaluating",
                    step,
                    self.total_steps,
                    epoch,
                    split=split,
                    metrics={"done": done, "total": total},
                    eta_s=elapsed * (total - done) / done if done else None,
                )
            )

        return on_batch

    def _report(self, progress: Progress) -> None:
        self.history.append(progress.to_dict())
        if self.accelerator.is_main_process:
            self.on_progress(progress)

    def _check_finite(self, step: int, loss: torch.Tensor, components: dict[str, torch.Tensor]) -> None:
        if not math.isfinite(loss.item()):
            raise NonFiniteLossError(step, {k: float(v) for k, v in components.items()})

    def _restore_best(self) -> None:
        if self.best_state is not None:
            model = self.accelerator.unwrap_model(self.model)
            model.load_state_dict(self.best_state, strict=False)


class _Window:
    """Running means of the loss and its components between two logging steps.

    Sums stay tensors on the training device, so a step costs no extra device-to-host copy; they
    become floats once per logging step.
    """

    def __init__(self) -> None:
        self.sums: dict[str, torch.Tensor] = {}
        self.count = 0

    def add(self, loss: torch.Tensor, components: dict[str, torch.Tensor]) -> None:
        self.count += 1
        for name, value in {"loss": loss.detach(), **components}.items():
            self.sums[name] = self.sums[name] + value if name in self.sums else value.clone()

    def flush(self) -> dict[str, float]:
        means = {name: float(total) / self.count for name, total in self.sums.items()}
        self.sums, self.count = {}, 0
        return means


def _fraction(step: int, steps_per_epoch: int) -> float:
    within = step % steps_per_epoch or steps_per_epoch
    return within / steps_per_epoch


def _is_trained(key: str, model: PreTrainedModel) -> bool:
    """Whether a state-dict entry can change during training (all of them, except frozen LoRA bases)."""
    return not hasattr(model, "peft_config") or "lora_" in key or "modules_to_save" in key


def _float_out(out: SequenceClassifierOutput) -> SequenceClassifierOutput:
    """Mixed precision gives half-precision logits; losses are computed in float32."""
    out.logits = out.logits.float()
    if getattr(out, "hidden_states", None) is not None:
        out.hidden_states = tuple(h.float() for h in out.hidden_states)
    return out

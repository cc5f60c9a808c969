"""Teamwork training: one loop for Teamwork / independent LoRA / base pretraining / head expansion.

Per optimizer step (``grad_accum`` micro-batches): draw examples from the data mix, encode every
component an example has into a batch row (inputs clean, outputs noised), one timestep shared by the
batch (or per sample), the base model's target (epsilon or v), loss on output rows only with the
per-pixel weights. AdamW + a diffusers lr schedule (stepped every optimizer step), gradient clipping,
EMA, exact checkpoints (``train_state``), validation images and metrics, JSONL + TensorBoard logs.
Latent families (SD2/SDXL/SD3/Flux, local diffusers folder) go through
``train_latent.LatentTraining`` (VAE latents, cached empty prompt, flow-matching target for SD3/Flux).
The same code runs under ``accelerate launch`` (DDP): the model and optimizer go through
``Accelerator.prepare``; each process draws its own data stream.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from pathlib import Path

import torch

from engine.pipelines.common import cpu_generator, resolve_device
from engine.pipelines.load import FAMILY_PROFILES
from engine.pipelines.lr_schedule import make_lr_scheduler
from engine.pipelines.pixel_unet import DEFAULT_SCHEDULER, PixelUNetPipeline
from engine.pipelines.train_config import TrainConfig
from engine.pipelines.train_data import DataMix, Example, make_source
from engine.pipelines.train_latent import (
    FLOW_FAMILIES,
    LATENT_FAMILIES,
    LatentTraining,
    load_latent_training_base,
)
from engine.pipelines.train_state import (
    latest_checkpoint,
    load_training_state,
    optimizer_from_files,
    prune_checkpoints,
    save_training_state,
)
from engine.progress import CancelToken, ProgressCallback
from engine.tasks import encode, split_teammate

log = logging.getLogger(__name__)


def build_base(config: TrainConfig) -> tuple[torch.nn.Module, dict]:
    """The pixel UNet and its scheduler config: embedded, a local folder, or fresh."""
    from diffusers import UNet2DModel

    model = config.model
    if model.family != "pixel_unet":
        raise ValueError(f"build_base builds the pixel base only, not {model.family!r}.")
    if model.base == "fresh":
        kwargs = dict(sample_size=config.train.size, in_channels=3, out_channels=3)
        kwargs.update(model.fresh)
        torch.manual_seed(config.train.seed)
        unet, scheduler = UNet2DModel(**kwargs), dict(DEFAULT_SCHEDULER)
    else:
        folder = Path(model.base)
        if model.base == "embedded":
            from engine.paths import embedded_models_dir

            folder = embedded_models_dir() / "base"
        if not (folder / "unet" / "config.json").exists():
            raise ValueError(f"Base model folder {folder} has no unet/config.json.")
        unet, scheduler = PixelUNetPipeline.load_base(folder)
    scheduler.update(model.scheduler)
    return unet, scheduler


class Trainer:
    """Builds everything from a :class:`TrainConfig`; ``run()`` trains in resumable chunks."""

    def __init__(self, config: TrainConfig, device: str = "auto", run_dir: str | Path | None = None,
                 resume: bool = True) -> None:
        from diffusers import DDPMScheduler

        self.config = config
        self.run_dir = Path(run_dir or config.output.dir)
        self.method = config.teamwork.method
        train = config.train
        family = config.model.family
        build_latent = None
        if family == "pixel_unet":
            self.base, self.scheduler_config = build_base(config)
        elif family in LATENT_FAMILIES:
            self.base, self.scheduler_config, build_latent = load_latent_training_base(config)
        else:
            raise ValueError(f"Unknown [model] family {family!r}; use pixel_unet, "
                             f"{', '.join(LATENT_FAMILIES)}.")
        if family in FLOW_FAMILIES:
            from diffusers import FlowMatchEulerDiscreteScheduler

            self.noise_scheduler = FlowMatchEulerDiscreteScheduler.from_config(self.scheduler_config)
            self.prediction_type = "flow"
        else:
            self.noise_scheduler = DDPMScheduler.from_config(self.scheduler_config)
            self.prediction_type = self.noise_scheduler.config.prediction_type
        self.accelerator = _accelerator(device, train.mixed_precision)
        self.device = self.accelerator.device if self.accelerator else resolve_device(device)
        self.teammates = config.teammates() if self.method != "pretrain" else []
        self.teamwork = None
        if self.method in ("teamwork", "lora"):
            from engine.teamwork import TeamworkConfig, adapt, trainable_parameters

            self.teamwork = TeamworkConfig(
                tuple(self.teammates), lora_rank=config.teamwork.rank, profile=FAMILY_PROFILES[family],
                lora_communication=self.method == "teamwork", use_bias=config.teamwork.bias,
                base_model=str(config.model.base), title=config.teamwork.title,
                resolution=f"{train.size}x{train.size}",
            )
            self.base.requires_grad_(False)
            self.model = adapt(self.base, self.teamwork, seed=train.seed)
            params = trainable_parameters(self.model)
        elif self.method == "head_expansion":
            from engine.pipelines.head_expansion import widen

            self.model = widen(self.base, self.teammates)
            params = list(self.model.parameters())
        else:
            self.model = self.base
            params = list(self.model.parameters())
        for p in params:
            p.requires_grad_(True)
        self.model.to(self.device)
        if train.gradient_checkpointing and hasattr(self.model, "enable_gradient_checkpointing"):
            self.model.enable_gradient_checkpointing()
        self.names = {id(p): n for n, p in self.model.named_parameters()}
        self.params = {self.names[id(p)]: p for p in params}
        self.optimizer = torch.optim.AdamW(params, lr=train.lr, betas=train.betas,
                                           weight_decay=train.weight_decay)
        self.lr_scheduler = make_lr_scheduler(train.lr_schedule, self.optimizer, train.warmup_steps,
                                              train.steps, train.decay_steps)
        self.forward_model = self.model
        if self.accelerator is not None:
            self.forward_model, self.optimizer = self.accelerator.prepare(self.model, self.optimizer)
        self.latent = LatentTraining(self, build_latent) if build_latent is not None else None
        if self.latent is not None and self.accelerator is not None:
            # the family forward reads ``denoiser.config``; the DDP wrapper must run for gradient sync
            self.forward_model.config = self.model.config
            self.latent.pipeline.denoiser = self.forward_model
        self.ema = ({n: p.detach().float().clone() for n, p in self.params.items()}
                    if train.ema_decay > 0 else None)
        rank = self.accelerator.process_index if self.accelerator else 0
        self.generator = cpu_generator(train.seed + 1000 * rank)
        self.data = DataMix([make_source(d.source, d.options) for d in config.data],
                            [d.weight for d in config.data])
        self.step = 0
        self.component_losses: dict[str, float] = {}
        """``loss/<component>`` of the last batch's output rows (pixel family), logged with the loss."""
        self.elapsed_seconds = 0.0
        """Training time summed over every chunk of this run (for budgets and the ablation table)."""
        self._writer = None
        if resume and (checkpoint := latest_checkpoint(self.run_dir)) is not None:
            self.load(checkpoint)

    # ---- one step ------------------------------------------------------------------------------
    def collate(self, examples: list[Example]):
        """Rows, clean images, output flags, loss weights and known-pixel masks of the active teammates."""
        rows, images, outputs, weights, known = [], [], [], [], []
        for s, example in enumerate(examples):
            names = (self.teammates if self.method != "pretrain"
                     else [f"{c}.out" for c in sorted(example.maps)])
            for teammate in names:
                component, role = split_teammate(teammate)
                if component not in example.maps:
                    continue
                x = example.maps[component][None]
                rows.append((s if self.method != "pretrain" else len(rows), teammate))
                images.append(encode(component, x)[0])
                outputs.append(role == "out")
                w = example.weights.get(component)
                weights.append(torch.ones(1, *x.shape[-2:]) if w is None else w.float())
                keep = example.known if role == "out" else None
                known.append(torch.zeros(1, *x.shape[-2:]) if keep is None else keep.float())
        if not any(outputs):
            raise ValueError("No example of the batch has an output teammate of this model.")
        return (rows, torch.stack(images).to(self.device), torch.tensor(outputs, device=self.device),
                torch.stack(weights).to(self.device), torch.stack(known).to(self.device))

    def loss(self, examples: list[Example], timestep: int | None = None) -> torch.Tensor:
        """The diffusion loss of one batch (``timestep`` fixes t, e.g. for evaluation)."""
        if self.method == "head_expansion":
            from engine.pipelines.head_expansion import expansion_loss

            return expansion_loss(self, examples, timestep)
        if self.latent is not None:
            return self.latent.loss(examples, timestep)
        rows, x0, is_out, weights, known = self.collate(examples)
        samples = [r[0] for r in rows]
        t = self._timesteps(samples, timestep)
        noise = torch.randn(x0.shape, generator=self.generator).to(self.device)
        noisy = self.noise_scheduler.add_noise(x0, noise, t)
        x_t = torch.where(is_out[:, None, None, None], noisy, x0)
        x_t = torch.lerp(x_t, x0, known)  # inpainting: known pixels of outputs stay clean
        target = self.target(x0, noise, t)
        with self._autocast(), self._active(rows):
            prediction = self.forward_model(x_t, t).sample
        error, norm = row_errors(prediction, target, weights)
        self.component_losses = component_mse(error.detach(), norm, is_out, [r[1] for r in rows])
        return pooled_mse(error, norm, is_out)

    def target(self, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if self.prediction_type == "epsilon":
            return noise
        if self.prediction_type == "v_prediction":
            return self.noise_scheduler.get_velocity(x0, noise, t)
        if self.prediction_type == "sample":
            return x0
        raise ValueError(f"Unsupported prediction type {self.prediction_type!r}.")

    def _timesteps(self, samples: list[int], fixed: int | None = None) -> torch.Tensor:
        count = self.noise_scheduler.config.num_train_timesteps
        if fixed is not None:
            t = torch.full((len(samples),), int(fixed), dtype=torch.long)
        elif self.config.train.timestep_sharing == "batch":
            t = torch.randint(0, count, (), generator=self.generator).expand(len(samples))
        else:
            per_sample = torch.randint(0, count, (max(samples) + 1,), generator=self.generator)
            t = per_sample[torch.tensor(samples)]
        return t.to(self.device)

    def _active(self, rows):
        if self.teamwork is None:
            return contextlib.nullcontext()
        from engine.teamwork import active

        return active(self.model, rows)

    def _autocast(self):
        mp = self.config.train.mixed_precision
        if mp == "no":
            return contextlib.nullcontext()
        dtype = torch.bfloat16 if mp == "bf16" else torch.float16
        return torch.autocast(self.device.type, dtype=dtype)

    def train_step(self) -> float:
        """One optimizer step (with gradient accumulation); returns the mean loss."""
        train = self.config.train
        self.model.train()
        total = 0.0
        for micro in range(train.grad_accum):
            examples = self.data.batch(self.generator, train.batch_size, train.size)
            sync = micro == train.grad_accum - 1 or self.accelerator is None
            with contextlib.nullcontext() if sync else self.accelerator.no_sync(self.forward_model):
                loss = self.loss(examples) / train.grad_accum
                if self.accelerator is not None:
                    self.accelerator.backward(loss)
                else:
                    loss.backward()
            total += float(loss.detach())
        if train.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(list(self.params.values()), train.max_grad_norm)
        self.optimizer.step()
        self.lr_scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        self._update_ema()
        return total

    def _update_ema(self) -> None:
        if self.ema is None:
            return
        decay = min(self.config.train.ema_decay, (1 + self.step) / (10 + self.step))
        with torch.no_grad():
            for name, p in self.params.items():
                self.ema[name].lerp_(p.detach().float(), 1 - decay)

    @contextlib.contextmanager
    def ema_weights(self):
        """Temporarily swap the EMA weights in (no-op without EMA)."""
        if self.ema is None:
            yield
            return
        backup = {n: p.detach().clone() for n, p in self.params.items()}
        with torch.no_grad():
            for n, p in self.params.items():
                p.copy_(self.ema[n])
        try:
            yield
        finally:
            with torch.no_grad():
                for n, p in self.params.items():
                    p.copy_(backup[n])

    # ---- checkpoints ---------------------------------------------------------------------------
    @property
    def is_main(self) -> bool:
        return self.accelerator is None or self.accelerator.is_main_process

    def save(self) -> Path | None:
        if not self.is_main:
            return None
        folder = self.run_dir / "checkpoints" / f"step_{self.step:07d}"
        save_training_state(folder, step=self.step, trainable=dict(self.params), ema=self.ema,
                            optimizer=self.optimizer, lr_scheduler=self.lr_scheduler,
                            generator=self.generator, config=self.config.to_dict(),
                            elapsed_seconds=self.elapsed_seconds)
        prune_checkpoints(self.run_dir, self.config.output.keep_checkpoints)
        return folder

    def load(self, folder: Path) -> None:
        state = load_training_state(folder)
        missing = set(self.params) - set(state["trainable"])
        if missing:
            raise ValueError(f"Checkpoint {folder} does not match this model (missing {sorted(missing)[0]}).")
        with torch.no_grad():
            for name, p in self.params.items():
                p.copy_(state["trainable"][name])
        if self.ema is not None:
            # a run that turns the EMA on mid-way starts averaging from the resumed weights
            saved = state["ema"] or {n: p.detach() for n, p in self.params.items()}
            self.ema = {n: t.float().to(self.device).clone() for n, t in saved.items()}
        optimizer_from_files(self.optimizer, state["optimizer_tensors"], state["optimizer_meta"])
        self.lr_scheduler.load_state_dict(state["lr_scheduler"])
        self.generator.set_state(state["generator"])
        self.step = state["step"]
        self.elapsed_seconds = state["elapsed_seconds"]
        if self.is_main:
            drop_metrics_after(self.run_dir / "metrics.jsonl", self.step)
        log.info("Resumed training from %s (step %d)", folder, self.step)

    # ---- the loop ------------------------------------------------------------------------------
    def run(self, until_step: int | None = None, max_minutes: float | None = None,
            progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> int:
        """Train until ``until_step`` (default: the configured steps) or ``max_minutes``; checkpoint."""
        out = self.config.output
        end = min(self.config.train.steps, until_step or self.config.train.steps)
        started = time.monotonic()
        saved_at = self.step
        while self.step < end:
            if cancel is not None and cancel.cancelled:
                break
            step_started = time.monotonic()
            loss = self.train_step()
            self.elapsed_seconds += time.monotonic() - step_started
            if self.step % out.log_every == 0 or self.step == end:
                self.log_scalars({"loss": loss, "lr": self.lr_scheduler.get_last_lr()[0],
                                  "elapsed_s": round(self.elapsed_seconds, 2), **self.component_losses})
            if self.step % out.checkpoint_every == 0:
                self.save()
                saved_at = self.step
            if out.validate_every and self.step % out.validate_every == 0 and self.is_main:
                from engine.pipelines.train_validate import validate

                self.log_scalars(validate(self))
            if progress is not None:
                progress(self.step, end)
            if max_minutes is not None and time.monotonic() - started > max_minutes * 60:
                log.info("Stopping after %.1f minutes at step %d", max_minutes, self.step)
                break
        if saved_at != self.step:
            self.save()
        if self.step >= self.config.train.steps and self.is_main:
            self.export()
        return self.step

    def log_scalars(self, values: dict[str, float]) -> None:
        if not self.is_main or not values:
            return
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with (self.run_dir / "metrics.jsonl").open("a") as f:
            f.write(json.dumps({"step": self.step, **values}) + "\n")
        writer = self._tensorboard()
        if writer is not None:
            for key, value in values.items():
                writer.add_scalar(key, value, self.step)

    def _tensorboard(self):
        if self._writer is None:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:
                self._writer = False
                log.info("TensorBoard is not installed; metrics go to metrics.jsonl only.")
            else:
                self._writer = SummaryWriter(str(self.run_dir / "tensorboard"))
        return self._writer or None

    def export(self) -> Path:
        """Write ``run_dir/model/``: base/ (unet + scheduler) and adapter.safetensors (official)."""
        from engine.pipelines.export_model import export_model

        with self.ema_weights():
            return export_model(self)


def row_errors(prediction: torch.Tensor, target: torch.Tensor,
               weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per row: the weighted squared error summed over pixels and channels, and its normaliser."""
    error = ((prediction.float() - target.float()) ** 2 * weights).sum(dim=(1, 2, 3))
    return error, weights.sum(dim=(1, 2, 3)) * prediction.shape[1]


def pooled_mse(error: torch.Tensor, norm: torch.Tensor, is_out: torch.Tensor) -> torch.Tensor:
    """The mean over output rows of :func:`row_errors` (pixel-weighted)."""
    return error[is_out].sum() / norm[is_out].sum().clamp_min(1e-8)


def drop_metrics_after(path: Path, step: int) -> None:
    """Forget logged rows past ``step``: a run stopped between checkpoints trains those steps again."""
    if not path.is_file():
        return
    lines = path.read_text().splitlines()
    kept = [line for line in lines if line.strip() and json.loads(line).get("step", 0) <= step]
    if len(kept) != len(lines):
        path.write_text("".join(line + "\n" for line in kept))


def weighted_mse(prediction: torch.Tensor, target: torch.Tensor, weights: torch.Tensor,
                 is_out: torch.Tensor) -> torch.Tensor:
    """Mean squared error over output rows, weighted per pixel (weights ``(R,1,H,W)``)."""
    return pooled_mse(*row_errors(prediction, target, weights), is_out)


def component_mse(error: torch.Tensor, norm: torch.Tensor, is_out: torch.Tensor,
                  teammates: list[str]) -> dict[str, float]:
    """``loss/<component>`` of each output from :func:`row_errors`: which maps are being learnt."""
    sums: dict[str, list[float]] = {}
    for e, n, out, teammate in zip(error.tolist(), norm.tolist(), is_out.tolist(), teammates, strict=True):
        if out:
            total = sums.setdefault(f"loss/{split_teammate(teammate)[0]}", [0.0, 0.0])
            total[0] += e
            total[1] += n
    return {name: round(e / max(n, 1e-8), 6) for name, (e, n) in sums.items()}


def _accelerator(device: str, mixed_precision: str):
    """An ``accelerate.Accelerator`` when running distributed, else None (plain single-device loop)."""
    import os

    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return None
    from accelerate import Accelerator

    return Accelerator(mixed_precision=mixed_precision, cpu=device == "cpu")

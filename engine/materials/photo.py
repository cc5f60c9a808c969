"""Photo simulation for training data: flash or environment render -> exposure -> sensor noise ->
sRGB 8-bit (optionally JPEG) -> back to linear.

    photo = simulate_flash_photo(maps, seed=3)            # PhotoSample
    photo.image (B,3,H,W) linear in [0,1], photo.halfway (B,3,H,W), photo.fov_degrees (B,)

Steps (MATERIALS.md): random FOV in ``fov_range``; the light moved from the camera by a small random
offset (at most ``light_offset`` plane units); exposure scales the ``exposure_quantile`` luminance to a
random white point; Poisson-Gaussian noise y = x + sqrt(a x + b^2) N(0,1); clip to [0,1]; sRGB encode
(IEC 61966-2-1), 8-bit quantisation, optional JPEG round trip; decode to linear.
Randomness comes from a CPU ``torch.Generator`` seeded by ``seed`` (reproducible on every device).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

from engine.materials.environment import Environment
from engine.materials.geometry import halfway_map
from engine.materials.render import check_maps, render_environment, render_flash, rotation_matrix


@dataclass
class PhotoSettings:
    """Ranges the simulated camera draws from."""

    fov_range: tuple[float, float] = (30.0, 70.0)
    light_offset: float = 0.05  # plane units (the plane is 2 wide, the camera ~1.4-3.7 away)
    white_range: tuple[float, float] = (0.75, 1.0)
    exposure_quantile: float = 0.99
    shot_noise: tuple[float, float] = (1e-4, 4e-3)  # a: variance per unit signal
    read_noise: tuple[float, float] = (5e-4, 5e-3)  # b: standard deviation
    jpeg_probability: float = 0.0
    jpeg_quality: tuple[int, int] = (70, 95)
    falloff: bool = False


@dataclass
class PhotoSample:
    image: Tensor  # (B,3,H,W) linear, [0,1], after quantisation
    halfway: Tensor  # (B,3,H,W) in [-1,1]; zeros for environment photos (no point light)
    fov_degrees: Tensor  # (B,)
    exposure: Tensor  # (B,) factor applied to the linear render
    extras: dict[str, Tensor] = field(default_factory=dict)


def _uniform(g: torch.Generator, low: float, high: float, n: int) -> Tensor:
    return low + (high - low) * torch.rand(n, generator=g, dtype=torch.float64)


def srgb_encode(x: Tensor) -> Tensor:
    x = x.clamp(0.0, 1.0)
    return torch.where(x <= 0.0031308, 12.92 * x, 1.055 * x.clamp_min(1e-12) ** (1 / 2.4) - 0.055)


def srgb_decode(x: Tensor) -> Tensor:
    x = x.clamp(0.0, 1.0)
    return torch.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def luminance(image: Tensor) -> Tensor:
    """Rec. 709 luminance (B,1,H,W) of linear RGB."""
    w = torch.tensor([0.2126, 0.7152, 0.0722], device=image.device, dtype=image.dtype).view(1, 3, 1, 1)
    return (image * w).sum(dim=1, keepdim=True)


def expose(image: Tensor, white: Tensor, quantile: float = 0.99) -> tuple[Tensor, Tensor]:
    """Scale each image so its ``quantile`` luminance lands on ``white`` (B,); returns (image, factor)."""
    lum = luminance(image).flatten(1).float()
    if lum.shape[1] >= 2**24:  # torch.quantile's size limit: a regular subsample is plenty
        lum = lum[:, :: lum.shape[1] // 2**22 + 1]
    level = torch.quantile(lum, quantile, dim=1).clamp_min(1e-8).to(image.dtype)
    factor = white.to(image) / level
    return image * factor.view(-1, 1, 1, 1), factor


def add_sensor_noise(image: Tensor, shot: Tensor, read: Tensor, generator: torch.Generator) -> Tensor:
    """Poisson-Gaussian noise: x + sqrt(shot * x + read^2) * N(0, 1), per image parameters (B,)."""
    noise = torch.randn(image.shape, generator=generator, dtype=torch.float32).to(image)
    var = shot.to(image).view(-1, 1, 1, 1) * image.clamp_min(0) + read.to(image).view(-1, 1, 1, 1) ** 2
    return image + torch.sqrt(var) * noise


def quantise_srgb8(image: Tensor) -> Tensor:
    """Linear [0,1] -> sRGB 8-bit codes (uint8, same shape)."""
    return torch.round(srgb_encode(image) * 255.0).to(torch.uint8)


def jpeg_roundtrip(codes: Tensor, quality: int) -> Tensor:
    """Compress and decompress (B,3,H,W) uint8 sRGB codes with JPEG at ``quality`` (OpenCV)."""
    import cv2

    out = []
    for img in codes.cpu().numpy():
        bgr = np.ascontiguousarray(img.transpose(1, 2, 0)[..., ::-1])
        ok, buf = cv2.imencode(".jpg", bgr, [int(cv2.IMWRITE_JPEG_QUALITY), int(quality)])
        if not ok:
            raise RuntimeError("OpenCV could not encode a JPEG image.")
        dec = cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1].transpose(2, 0, 1)
        out.append(torch.from_numpy(np.ascontiguousarray(dec)))
    return torch.stack(out).to(codes.device)


def finish_photo(
    render: Tensor, settings: PhotoSettings, generator: torch.Generator
) -> tuple[Tensor, Tensor, Tensor]:
    """Exposure, noise, 8-bit sRGB (and maybe JPEG), decode: returns (linear image, exposure, codes)."""
    b = render.shape[0]
    white = _uniform(generator, *settings.white_range, b)
    image, factor = expose(render, white, settings.exposure_quantile)
    shot = _uniform(generator, *settings.shot_noise, b)
    read = _uniform(generator, *settings.read_noise, b)
    noisy = add_sensor_noise(image, shot, read, generator)
    codes = quantise_srgb8(noisy)
    use_jpeg = torch.rand(b, generator=generator) < settings.jpeg_probability
    if bool(use_jpeg.any()):
        quality = int(torch.randint(settings.jpeg_quality[0], settings.jpeg_quality[1] + 1, (),
                                    generator=generator))
        pick = use_jpeg.view(-1, 1, 1, 1).to(codes.device)
        codes = torch.where(pick, jpeg_roundtrip(codes, quality), codes)
    linear = srgb_decode(codes.to(render.dtype) / 255.0)
    return linear, factor, codes


def simulate_flash_photo(
    maps: Mapping[str, Tensor], seed: int = 0, settings: PhotoSettings | None = None
) -> PhotoSample:
    """A simulated phone-flash photo of each material in the batch, with its halfway map."""
    settings = settings or PhotoSettings()
    batch, height, width = check_maps(maps)
    g = torch.Generator().manual_seed(int(seed))
    ref = maps["diffuse"]
    fovs = _uniform(g, *settings.fov_range, batch)
    renders, halfways = [], []
    for i in range(batch):
        direction = torch.randn(3, generator=g, dtype=torch.float64)
        direction[2] = 0.0  # offsets sideways, like a phone's flash beside the lens
        length = float(_uniform(g, 0, settings.light_offset, 1))
        offset = (direction / direction.norm().clamp_min(1e-12) * length).tolist()
        one = {k: v[i:i + 1] for k, v in maps.items()}
        fov = float(fovs[i])
        renders.append(render_flash(one, fov, falloff=settings.falloff, light_offset=offset))
        halfways.append(halfway_map(height, width, fov, offset, ref.device, ref.dtype))
    image, factor, _ = finish_photo(torch.cat(renders), settings, g)
    return PhotoSample(image, torch.stack(halfways), fovs.to(ref.dtype), factor.flatten())


def simulate_environment_photo(
    maps: Mapping[str, Tensor],
    environment: Environment,
    seed: int = 0,
    settings: PhotoSettings | None = None,
    pitch_range: tuple[float, float] = (-90.0, 0.0),
) -> PhotoSample:
    """A simulated photo of each material under an HDR environment at a random orientation."""
    settings = settings or PhotoSettings()
    batch, _, _ = check_maps(maps)
    g = torch.Generator().manual_seed(int(seed))
    ref = maps["diffuse"]
    fovs = _uniform(g, *settings.fov_range, batch)
    renders = []
    for i in range(batch):
        yaw = float(_uniform(g, -180.0, 180.0, 1))
        pitch = float(_uniform(g, *pitch_range, 1))
        one = {k: v[i:i + 1] for k, v in maps.items()}
        rot = rotation_matrix(yaw, pitch, ref.device, ref.dtype)
        renders.append(render_environment(one, environment, float(fovs[i]), rot))
    image, factor, _ = finish_photo(torch.cat(renders), settings, g)
    zero = torch.zeros_like(image)
    return PhotoSample(image, zero, fovs.to(ref.dtype), factor.flatten())



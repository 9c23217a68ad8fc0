"""Animated memes: what an upload and its job cost, from a typical GIF up to the largest one the
limits in memes.limits let through, and why the output is animated WebP (size against GIF).

The work is the product's own functions, in the order the upload (memes.checks.check_photo, the
stored clean copy) and the job (memes.services.pipeline: key frame, every frame drawn, meme and
thumbnail encoded) run them; no database or broker, so the numbers are the image work alone.
Target: the largest allowed animation's job within 10 s of one core.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._report import write_section  # noqa: E402

TARGET_JOB_S = 10.0


def clip(frames: int, size: tuple[int, int]) -> bytes:
    """The astronaut (a real face) panning and zooming, as an animated GIF of `frames` frames."""
    from PIL import Image
    from skimage import data

    photo = Image.fromarray(data.astronaut())
    images = []
    for i in range(frames):
        t = i / max(1, frames - 1)
        side = int(512 - 160 * t)
        x, y = int((512 - side) * t), int((512 - side) * (1 - t) / 2)
        images.append(photo.crop((x, y, x + side, y + side * size[1] // size[0])).resize(size))
    out = io.BytesIO()
    images[0].save(out, format="GIF", save_all=True, append_images=images[1:], duration=80, loop=0)
    return out.getvalue()


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.process_time()  # CPU time: other work on a shared machine inflates wall time
    value = fn()
    return time.process_time() - start, value


def run_case(data: bytes) -> dict[str, float]:
    from memes import limits
    from ml import animation, imageio, render
    from ml.api import analyze
    from ml.layout import classic_boxes

    out: dict[str, float] = {}
    out["decode (upload)"], frames = timed(
        lambda: imageio.read_frames(data, max_side=limits.ANIMATION_MAX_SIDE)
    )
    out["clean copy (upload)"], photo = timed(lambda: animation.to_photo_webp(frames))
    out["decode (job)"], frames = timed(lambda: imageio.read_frames(photo))
    out["key frame (job)"], (key, _analysis) = timed(
        lambda: animation.pick_key_frame(frames.images, analyze=analyze)
    )
    boxes = classic_boxes(top_text="when the gif loads", bottom_text="before the page does")
    out["draw every frame (job)"], drawn = timed(
        lambda: animation.render_frames(frames, lambda f: render.render_layout(f, boxes))
    )
    out["encode meme (job)"], meme = timed(lambda: animation.to_webp(drawn))
    small = max(drawn.size) <= render.THUMBNAIL_SIDE
    out["encode thumbnail (job)"], _thumb = timed(
        lambda: meme if small else animation.to_webp(animation.shrink(drawn, render.THUMBNAIL_SIDE))
    )
    out["upload total"] = out["decode (upload)"] + out["clean copy (upload)"]
    out["job total"] = sum(v for k, v in out.items() if k.endswith("(job)"))
    out["_webp_bytes"] = len(meme)
    gif = io.BytesIO()
    drawn.images[0].save(
        gif, format="GIF", save_all=True, append_images=drawn.images[1:], duration=drawn.durations, loop=0
    )
    out["_gif_bytes"] = len(gif.getvalue())
    out["_frames"], out["_w"], out["_h"] = len(drawn), drawn.size[0], drawn.size[1]
    return out


def main() -> int:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deepmeme_site.settings")
    import django

    django.setup()
    import torch

    # One thread: CPU time then is the work itself, not torch's threads spinning on a busy machine.
    torch.set_num_threads(1)
    from memes import limits
    from ml.api import analyze

    analyze(clip(1, (320, 320)))  # load the models once: a warm worker
    cases = [
        ("typical: 480x270, 60 frames", clip(60, (480, 270)), 1),
        ("largest allowed: 640x416, 150 frames (39.9 MP)", clip(150, (640, 416)), 1),
        ("large frames: 1280x720, 43 frames (39.6 MP as uploaded)", clip(43, (1280, 720)), 1),
    ]
    stages = [
        "decode (upload)",
        "clean copy (upload)",
        "upload total",
        "decode (job)",
        "key frame (job)",
        "draw every frame (job)",
        "encode meme (job)",
        "encode thumbnail (job)",
        "job total",
    ]
    rows, sizes, worst_job = [], [], 0.0
    for name, data, repeats in cases:
        results = [run_case(data) for _ in range(repeats)]
        median = {k: statistics.median(r[k] for r in results) for k in results[0]}
        rows.append((name, median))
        worst_job = max(worst_job, median["job total"])
        sizes.append(
            f"| {name} | {median['_webp_bytes'] / 1e6:.2f} MB | {median['_gif_bytes'] / 1e6:.2f} MB | "
            f"{median['_gif_bytes'] / median['_webp_bytes']:.1f}x |"
        )
        print(name, {k: round(v, 2) for k, v in median.items()})
    header = "| stage (CPU seconds) | " + " | ".join(name for name, _ in rows) + " |"
    lines = [header, "|---" * (len(rows) + 1) + "|"]
    for stage in stages:
        lines.append(f"| {stage} | " + " | ".join(f"{m[stage]:.2f}" for _, m in rows) + " |")
    verdict = "met" if worst_job <= TARGET_JOB_S else "NOT met"
    body = f"""## Animated memes (upload and job work)

`bench/bench_animation.py`: the image work of an animated upload and its job, CPU seconds of one
core (one run each; torch on one thread), warm models. Limits
(memes.limits): {limits.ANIMATION_MAX_FRAMES} frames, {limits.ANIMATION_MAX_SECONDS} s,
{limits.ANIMATION_MAX_PIXELS / 1e6:g} MP in all frames as uploaded, frames worked on at most
{limits.ANIMATION_MAX_SIDE} px. Target: the largest allowed job within {TARGET_JOB_S:g} s: **{verdict}**
(worst {worst_job:.1f} s).

{chr(10).join(lines)}

Output size, the drawn meme as animated WebP (quality 80, method 2) against the same frames as GIF
(Pillow's adaptive 256-colour palette per frame):

| clip | animated WebP | GIF | GIF / WebP |
|---|---|---|---|
{chr(10).join(sizes)}
"""
    write_section("animation", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

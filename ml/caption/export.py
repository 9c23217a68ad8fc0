"""Convert a trained PEFT LoRA checkpoint into the GGUF adapter llama.cpp loads
(ml/weights/captioner_lora.gguf).

Uses llama.cpp's own converter, convert_lora_to_gguf.py, from the llama-cpp-python source distribution:

    pip download --no-deps --no-binary :all: llama-cpp-python==0.3.36 -d /tmp/llama-src
    tar xzf /tmp/llama-src/llama_cpp_python-0.3.36.tar.gz -C /tmp/llama-src
    python -m ml.caption.export --run var/captions/run \\
        --llama-cpp /tmp/llama-src/llama_cpp_python-0.3.36/vendor/llama.cpp --out
        ml/weights/captioner_lora.gguf

Needs requirements-train.txt (transformers, gguf). The base config comes from RUN/base (written by
ml.caption.train).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from ml.caption.model_files import ADAPTER_PATH


def export(*, checkpoint: Path, base: Path, llama_cpp: Path, out: Path) -> Path:
    script = llama_cpp / "convert_lora_to_gguf.py"
    if not script.is_file():
        raise SystemExit(
            f"{script} not found: unpack the llama-cpp-python sdist (see this module's docstring)"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    cmd = [
        sys.executable,
        str(script),
        "--base",
        str(base),
        "--outtype",
        "f16",
        "--outfile",
        str(out),
        str(checkpoint),
    ]
    subprocess.run(cmd, check=True, env=env)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=Path("var/captions/run"))
    parser.add_argument("--llama-cpp", type=Path, required=True, help="llama.cpp sources (vendor/llama.cpp)")
    parser.add_argument("--out", type=Path, default=ADAPTER_PATH)
    args = parser.parse_args(argv)
    path = export(
        checkpoint=args.run / "ckpt", base=args.run / "base", llama_cpp=args.llama_cpp, out=args.out
    )
    print(f"{path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()

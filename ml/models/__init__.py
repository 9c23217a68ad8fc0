"""Expression classifiers. Every model takes float grayscale faces [N, 1, 48, 48] in [0, 1]
and returns logits [N, 7]; each prepares its own input (normalisation, resizing) inside forward."""

from ml.models.registry import MODEL_BUILDERS, build_model

__all__ = ["MODEL_BUILDERS", "build_model"]

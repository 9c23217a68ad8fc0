"""Dataset loaders. Each returns a FaceArrays of 48x48 grayscale faces with FER-2013 labels."""

from ml.datasets.arrays import FACE_SIZE, FaceArrays
from ml.datasets.npz import load_npz, save_npz

__all__ = ["FACE_SIZE", "FaceArrays", "load_npz", "save_npz"]

"""Dataset loaders. Each returns a FaceArrays of 48x48 grayscale faces with FER-2013 labels."""

from ml.datasets.arrays import FACE_SIZE, FaceArrays
from ml.datasets.celeba import load_celeba
from ml.datasets.fer_csv import load_fer_csv
from ml.datasets.image_folder import load_image_folder, read_image_folder
from ml.datasets.npz import load_npz, save_npz

__all__ = [
    "FACE_SIZE",
    "FaceArrays",
    "load_celeba",
    "load_fer_csv",
    "load_image_folder",
    "load_npz",
    "read_image_folder",
    "save_npz",
]

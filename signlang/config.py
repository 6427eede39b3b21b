"""Paths, file names and constants shared by the whole package."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

IMAGE_SIZE = 28
NUM_PIXELS = IMAGE_SIZE * IMAGE_SIZE
INPUT_SHAPE = (IMAGE_SIZE, IMAGE_SIZE, 1)

# Kaggle labels are 0-24 for A-Y. J (9) needs motion and never occurs, nor does Z (25),
# so the models have 24 outputs: class index = label for A-I, label - 1 for K-Y.
LETTERS = "ABCDEFGHIKLMNOPQRSTUVWXY"
NUM_CLASSES = len(LETTERS)
MISSING_LABELS = (9,)
MAX_LABEL = 24

CSV_HEADER = ["label"] + [f"pixel{i}" for i in range(1, NUM_PIXELS + 1)]
TRAIN_CSV = "sign_mnist_train.csv"
TEST_CSV = "sign_mnist_test.csv"
KAGGLE_ARCHIVE = "archive.zip"
KAGGLE_DATASET = "datamunge/sign-language-mnist"
# Row counts of the files that Kaggle distributes.
KAGGLE_TRAIN_ROWS = 27455
KAGGLE_TEST_ROWS = 7172

DATA_DIR_ENV = "SIGNLANG_DATA_DIR"
MODELS_DIR_ENV = "SIGNLANG_MODELS_DIR"
DEFAULT_DATA_DIR = Path("data")
BUNDLED_MODELS_DIR = PROJECT_ROOT / "models"
BUNDLED_MODEL_NAMES = ("cnn", "resnet50")
MODEL_SUFFIX = ".keras"
METADATA_SUFFIX = ".json"

ARCHITECTURES = ("cnn", "resnet50")
DEFAULT_VAL_FRACTION = 0.1
DEFAULT_SEED = 42

# Upload limit per file, in megabytes. The Kaggle training CSV is about 80 MB uncompressed.
MAX_UPLOAD_MB = 200

# Centered square side as a fraction of the frame's shorter side.
DEFAULT_ROI_FRACTION = 0.6
BLUR_KERNEL = (5, 5)


def resolve_data_dir(cli_value: str | os.PathLike | None = None) -> Path:
    """Return the data folder: the CLI value, else $SIGNLANG_DATA_DIR, else ./data."""
    if cli_value:
        return Path(cli_value).expanduser()
    env_value = os.environ.get(DATA_DIR_ENV)
    if env_value:
        return Path(env_value).expanduser()
    return DEFAULT_DATA_DIR


def models_dir() -> Path:
    """Return the folder of saved models: $SIGNLANG_MODELS_DIR, else the bundled folder."""
    env_value = os.environ.get(MODELS_DIR_ENV)
    if env_value:
        return Path(env_value).expanduser()
    return BUNDLED_MODELS_DIR


def label_to_class(label: int) -> int:
    """Map a Kaggle label (0-24, never 9) to a model class index (0-23)."""
    if label < 0 or label > MAX_LABEL or label in MISSING_LABELS:
        raise ValueError(f"label {label} is not a valid Sign Language MNIST label (0-24, not 9)")
    return label if label < 9 else label - 1


def class_to_letter(index: int) -> str:
    """Return the letter of a model class index (0-23)."""
    if not 0 <= index < NUM_CLASSES:
        raise ValueError(f"class index {index} is outside 0-{NUM_CLASSES - 1}")
    return LETTERS[index]

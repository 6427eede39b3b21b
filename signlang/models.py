"""Model builders: the tutorial's CNN grown by batch norm, dropout and a third block, and ResNet-50."""

from __future__ import annotations

import keras
from keras import layers

from signlang import config

# Bottleneck widths of the four stages. The outputs are 4x wider, as in ResNet-50 (64-256-...-2048),
# scaled down by 4 so that the network trains on a 2-core CPU and its file stays small.
RESNET50_WIDTHS = (16, 32, 64, 128)
RESNET50_BLOCKS = (3, 4, 6, 3)
RESNET50_EXPANSION = 4
# Faster-moving batch-norm statistics than Keras' 0.99, so that short runs (a few hundred
# steps, as on small uploads) still end with usable inference statistics.
BN_MOMENTUM = 0.9


def _check_shape(input_shape: tuple[int, ...], num_classes: int) -> None:
    if len(input_shape) != 3 or min(input_shape) < 1:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape}")
    if num_classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {num_classes}")


def build_cnn(
    input_shape: tuple[int, int, int] = config.INPUT_SHAPE,
    num_classes: int = config.NUM_CLASSES,
    dropout: float = 0.3,
) -> keras.Model:
    """Build the CNN: three conv + batch norm + max-pool blocks, dense 512, softmax.

    The first two blocks and the dense layer are the tutorial's network. The model takes raw
    0-255 pixels and scales them itself.
    """
    _check_shape(input_shape, num_classes)
    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.Rescaling(1.0 / 255, name="scale")(inputs)
    for block, filters in enumerate((32, 64, 128), start=1):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{block}")(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"bn{block}")(x)
        x = layers.ReLU(name=f"relu{block}")(x)
        x = layers.MaxPooling2D(2, name=f"pool{block}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(dropout, name="dropout1")(x)
    x = layers.Dense(512, activation="relu", name="dense")(x)
    x = layers.Dropout(dropout, name="dropout2")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="letter")(x)
    return keras.Model(inputs, outputs, name="cnn")


def _bottleneck(x, width: int, stride: int, name: str):
    """Add one bottleneck block: 1x1 reduce, 3x3, 1x1 expand, and one shortcut addition."""
    out_channels = width * RESNET50_EXPANSION
    shortcut = x
    if stride != 1 or x.shape[-1] != out_channels:
        shortcut = layers.Conv2D(out_channels, 1, strides=stride, use_bias=False, name=f"{name}_proj")(x)
        shortcut = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_proj_bn")(shortcut)

    y = layers.Conv2D(width, 1, use_bias=False, name=f"{name}_conv1")(x)
    y = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn1")(y)
    y = layers.ReLU(name=f"{name}_relu1")(y)
    y = layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False, name=f"{name}_conv2")(y)
    y = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn2")(y)
    y = layers.ReLU(name=f"{name}_relu2")(y)
    y = layers.Conv2D(out_channels, 1, use_bias=False, name=f"{name}_conv3")(y)
    # Zero-initialised last scale: each block starts as identity, which steadies early training.
    y = layers.BatchNormalization(momentum=BN_MOMENTUM, gamma_initializer="zeros", name=f"{name}_bn3")(y)

    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.ReLU(name=f"{name}_out")(y)


def build_resnet50(
    input_shape: tuple[int, int, int] = config.INPUT_SHAPE,
    num_classes: int = config.NUM_CLASSES,
    widths: tuple[int, int, int, int] = RESNET50_WIDTHS,
    dropout: float = 0.2,
) -> keras.Model:
    """Build ResNet-50: a stem, 3-4-6-3 bottleneck blocks and a softmax layer (50 weighted layers).

    The stem is one 3x3 convolution at full resolution. The first stage then halves 28x28 to
    14x14, and each later stage halves again (7, 4, 2). ImageNet's 7x7 stride-2 convolution
    and max-pool would shrink a 28x28 image to 7x7 before the first block.
    """
    _check_shape(input_shape, num_classes)
    if len(widths) != 4 or min(widths) < 1:
        raise ValueError(f"widths must be four positive integers, got {widths}")
    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.Rescaling(1.0 / 255, name="scale")(inputs)
    x = layers.Conv2D(32, 3, padding="same", use_bias=False, name="stem_conv")(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name="stem_bn")(x)
    x = layers.ReLU(name="stem_relu")(x)

    for stage, (width, blocks) in enumerate(zip(widths, RESNET50_BLOCKS), start=1):
        for block in range(1, blocks + 1):
            stride = 2 if block == 1 else 1
            x = _bottleneck(x, width, stride, name=f"stage{stage}_block{block}")

    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="letter")(x)
    return keras.Model(inputs, outputs, name="resnet50")


BUILDERS = {"cnn": build_cnn, "resnet50": build_resnet50}


def build_model(architecture: str, input_shape=config.INPUT_SHAPE, num_classes=config.NUM_CLASSES) -> keras.Model:
    """Build the named architecture ("cnn" or "resnet50")."""
    if architecture not in BUILDERS:
        raise ValueError(f"unknown architecture {architecture!r}; expected one of {', '.join(BUILDERS)}")
    return BUILDERS[architecture](input_shape, num_classes)


def weighted_depth(model: keras.Model) -> int:
    """Count convolution and dense layers on the main path; 1x1 shortcut projections do not count."""
    return sum(
        1 for layer in model.layers
        if isinstance(layer, (layers.Conv2D, layers.Dense)) and not layer.name.endswith("_proj")
    )

"""Tests of the model builders: shapes, depth, size and input scaling."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from signlang import config, models


@pytest.mark.parametrize("architecture", ["cnn", "resnet50"])
def test_build_model_output_shape(architecture):
    model = models.build_model(architecture)
    assert model.input_shape == (None, 28, 28, 1)
    assert model.output_shape == (None, config.NUM_CLASSES)
    outputs = np.asarray(model(np.zeros((3, 28, 28, 1), dtype=np.float32), training=False))
    assert outputs.shape == (3, 24)
    np.testing.assert_allclose(outputs.sum(axis=1), 1.0, rtol=1e-5)


def test_resnet50_has_50_weighted_layers():
    model = models.build_resnet50()
    assert models.weighted_depth(model) == 50
    adds = [layer for layer in model.layers if isinstance(layer, keras.layers.Add)]
    assert len(adds) == sum(models.RESNET50_BLOCKS) == 16
    bottleneck_convs = [layer for layer in model.layers if layer.name.startswith("stage") and layer.name.endswith(("_conv1", "_conv2", "_conv3"))]
    assert len(bottleneck_convs) == 48


def test_resnet50_adds_each_shortcut_once():
    model = models.build_resnet50()
    for layer in model.layers:
        if isinstance(layer, keras.layers.Add):
            assert len(layer._inbound_nodes[0].input_tensors) == 2


def test_resnet50_stages_shrink_28_to_2():
    model = models.build_resnet50()
    last_blocks = [model.get_layer(f"stage{stage}_block{blocks}_out") for stage, blocks in zip(range(1, 5), models.RESNET50_BLOCKS)]
    assert [layer.output.shape[1] for layer in last_blocks] == [14, 7, 4, 2]
    assert [layer.output.shape[-1] for layer in last_blocks] == [64, 128, 256, 512]


def test_cnn_keeps_the_tutorial_layers():
    model = models.build_cnn()
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [layer.kernel_size for layer in convs] == [(3, 3)] * 3
    assert convs[0].filters == 32
    assert model.get_layer("dense").units == 512


@pytest.mark.parametrize("architecture", ["cnn", "resnet50"])
def test_models_scale_raw_pixels_themselves(architecture):
    model = models.build_model(architecture)
    assert isinstance(model.layers[1], keras.layers.Rescaling)
    assert model.layers[1].scale == pytest.approx(1 / 255)


def test_build_model_rejects_unknown_architecture():
    with pytest.raises(ValueError, match="unknown architecture 'vgg'"):
        models.build_model("vgg")


@pytest.mark.parametrize("shape", [(28, 28), (0, 28, 1)])
def test_build_cnn_rejects_bad_input_shape(shape):
    with pytest.raises(ValueError, match="input_shape"):
        models.build_cnn(shape)


def test_resnet50_file_stays_under_20_mb(tmp_path):
    model = models.build_resnet50()
    path = tmp_path / "resnet50.keras"
    model.save(path)
    assert path.stat().st_size < 20e6

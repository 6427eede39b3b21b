"""Tests of the live stream: a slow callback drops stale frames instead of building a backlog."""

from __future__ import annotations

import asyncio
import fractions
import time

import av
import numpy as np
from aiortc.mediastreams import MediaStreamTrack
from streamlit_webrtc.models import CallbackAttachableProcessor
from streamlit_webrtc.process import AsyncVideoProcessTrack

from signlang import models
from signlang.inference import CameraSettings, FrameProcessor, Predictor

PROCESS_DELAY_S = 0.02
INPUT_INTERVAL_S = 0.002
INPUT_FRAMES = 300


class FastCamera(MediaStreamTrack):
    """A video track that yields numbered 640x480 frames ten times faster than they are processed."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0
        self.image = np.random.default_rng(0).integers(0, 256, size=(480, 640, 3), dtype=np.uint8)

    async def recv(self) -> av.VideoFrame:
        await asyncio.sleep(INPUT_INTERVAL_S)
        frame = av.VideoFrame.from_ndarray(self.image, format="bgr24")
        frame.pts = self.sent
        frame.time_base = fractions.Fraction(1, 1000)
        self.sent += 1
        return frame


def test_async_track_drops_stale_frames_with_slow_callback():
    processor = FrameProcessor(CameraSettings(predictor=Predictor(models.build_cnn())))
    camera = FastCamera()
    lags: list[int] = []
    queue_sizes: list[int] = []

    def slow_callback(frame: av.VideoFrame) -> av.VideoFrame:
        lags.append(camera.sent - 1 - frame.pts)
        time.sleep(PROCESS_DELAY_S)
        return processor.callback(frame)

    track = AsyncVideoProcessTrack(camera, CallbackAttachableProcessor(slow_callback, None, None))

    async def consume() -> list[av.VideoFrame]:
        outputs = []
        for _ in range(INPUT_FRAMES):
            outputs.append(await track.recv())
            queue_sizes.append(track._in_queue.qsize())
        return outputs

    outputs = asyncio.run(consume())
    track.stop()

    processed = len(lags)
    assert len(outputs) == INPUT_FRAMES
    assert all((frame.width, frame.height) == (640, 480) for frame in outputs)
    assert 0 < processed < INPUT_FRAMES / 2, "the slow callback must skip frames, not queue them"
    assert max(queue_sizes) <= 2 * PROCESS_DELAY_S / INPUT_INTERVAL_S + 5
    half = processed // 2
    assert max(lags[half:]) <= max(lags[:half]) + 5, f"lag grew over time: {lags}"
    assert processor.latest.get() is not None

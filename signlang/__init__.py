"""signlang: read American Sign Language fingerspelling from 28x28 images and webcam frames."""

import contextlib

__version__ = "0.1.0"

# NOTE: libsrtp, which aiortc uses for the camera's WebRTC stream, crashes with a segmentation
# fault in srtp_init when it loads after TensorFlow (seen with tensorflow-cpu 2.21.0 and
# pylibsrtp 0.12.0 and 1.0.0 on Linux x86-64). Loading it first, here, avoids the crash in the
# app server and in tests; without the camera dependencies installed this does nothing.
with contextlib.suppress(ImportError):
    import pylibsrtp  # noqa: F401

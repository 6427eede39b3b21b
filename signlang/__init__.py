"""signlang: read American Sign Language fingerspelling from 28x28 images and webcam frames."""

import contextlib
import sys

__version__ = "0.1.0"

# NOTE: libsrtp, which aiortc uses for the camera's WebRTC stream, crashes with a segmentation
# fault in srtp_init when it loads after TensorFlow. Loading it first avoids the crash (seen
# with tensorflow-cpu 2.21.0 and pylibsrtp 0.12.0 and 1.0.0 on Linux x86-64). The app
# imports this package before TensorFlow, so it loads libsrtp here. A program that imported
# TensorFlow already must not load libsrtp at all, so nothing is loaded then.
if "tensorflow" not in sys.modules:
    with contextlib.suppress(ImportError):
        import pylibsrtp  # noqa: F401

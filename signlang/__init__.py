"""signlang: read American Sign Language fingerspelling from 28x28 images and webcam frames."""

__version__ = "0.1.0"

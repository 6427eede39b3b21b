"""Entry point for `python -m signlang`."""

import os
import sys

# TensorFlow's C++ start-up notices are noise for CLI users; errors still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from signlang.cli import main  # noqa: E402

sys.exit(main())

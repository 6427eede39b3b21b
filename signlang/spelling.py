"""Smooth per-frame letters by majority vote and type letters that are held steady."""

from __future__ import annotations

import collections
import dataclasses
import time
from typing import Callable

DEFAULT_WINDOW = 7
DEFAULT_HOLD_S = 1.0


@dataclasses.dataclass(frozen=True)
class Vote:
    """The letter that wins the vote over the window (None: no letter) and its mean confidence."""

    letter: str | None
    confidence: float


class MajorityVote:
    """A vote for the most common letter over the last `window` frames.

    A frame with no letter (None, for example below the confidence threshold) votes for
    "no letter". A tie goes to the letter seen most recently, so a change shows as soon as
    the new letter has as many votes as the old one.
    """

    def __init__(self, window: int = DEFAULT_WINDOW) -> None:
        if window < 1:
            raise ValueError(f"window must be at least 1 frame, got {window}")
        self.window = window
        self._frames: collections.deque[tuple[str | None, float]] = collections.deque(maxlen=window)

    def update(self, letter: str | None, confidence: float = 0.0) -> Vote:
        """Add one frame's letter and return the vote over the window."""
        self._frames.append((letter, confidence))
        counts = collections.Counter(frame_letter for frame_letter, _ in self._frames)
        best = max(counts.values())
        for frame_letter, _ in reversed(self._frames):
            if counts[frame_letter] == best:
                winner = frame_letter
                break
        confidences = [frame_confidence for frame_letter, frame_confidence in self._frames if frame_letter == winner]
        return Vote(winner, sum(confidences) / len(confidences))

    def reset(self) -> None:
        """Forget all frames."""
        self._frames.clear()


class Speller:
    """Text typed from held letters: a letter held for `hold_s` seconds is typed once.

    `update` takes the smoothed letter of each frame. A letter is typed once per hold: to type
    it again (the double L of HELLO), another letter or no letter must come in between.
    Not thread-safe: the camera pipeline guards its Speller with a lock.
    """

    def __init__(self, hold_s: float = DEFAULT_HOLD_S, clock: Callable[[], float] = time.monotonic) -> None:
        if hold_s <= 0:
            raise ValueError(f"hold_s must be greater than 0 seconds, got {hold_s}")
        self.hold_s = hold_s
        self._clock = clock
        self._text = ""
        self._letter: str | None = None
        self._since = 0.0
        self._typed = False

    @property
    def text(self) -> str:
        return self._text

    def update(self, letter: str | None) -> str | None:
        """Record the current letter and return it when this call types it, else None."""
        now = self._clock()
        if letter != self._letter:
            self._letter = letter
            self._since = now
            self._typed = False
            return None
        if letter is None or self._typed or now - self._since < self.hold_s:
            return None
        self._typed = True
        self._text += letter
        return letter

    def hold_progress(self) -> float:
        """Return how far the current letter is towards being typed, from 0 to 1 (1 once typed)."""
        if self._letter is None:
            return 0.0
        if self._typed:
            return 1.0
        return min(1.0, max(0.0, (self._clock() - self._since) / self.hold_s))

    def add_space(self) -> None:
        """Append one space, unless the text is empty or already ends with one."""
        if self._text and not self._text.endswith(" "):
            self._text += " "

    def delete_last(self) -> None:
        """Remove the last character, if any."""
        self._text = self._text[:-1]

    def clear(self) -> None:
        """Empty the text. A letter still held is not typed again until it is released."""
        self._text = ""

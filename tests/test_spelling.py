"""Tests of the letter vote and the speller that types held letters."""

from __future__ import annotations

import pytest

from signlang.spelling import MajorityVote, Speller, Vote


class FakeClock:
    """A clock that moves only when the test calls `advance`."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def feed(speller: Speller, clock: FakeClock, letter: str | None, seconds: float, step: float = 0.1) -> None:
    """Send `letter` every `step` seconds for `seconds` seconds."""
    for _ in range(int(round(seconds / step))):
        speller.update(letter)
        clock.advance(step)


def test_vote_returns_majority_letter():
    vote = MajorityVote(window=7)
    for letter in "AAAABBA":
        result = vote.update(letter, 0.9)
    assert result == Vote("A", pytest.approx(0.9))


def test_vote_ignores_single_flicker():
    vote = MajorityVote(window=7)
    for letter in "LLLLLL":
        vote.update(letter, 0.9)
    assert vote.update("I", 0.6).letter == "L"
    assert vote.update("L", 0.9).letter == "L"


def test_vote_counts_no_letter_frames():
    vote = MajorityVote(window=5)
    for letter in ["A", None, None, None]:
        result = vote.update(letter, 0.3)
    assert result.letter is None


def test_vote_tie_goes_to_newest_letter():
    vote = MajorityVote(window=4)
    for letter in "AABB":
        result = vote.update(letter, 0.8)
    assert result.letter == "B"


def test_vote_confidence_is_mean_of_winner():
    vote = MajorityVote(window=3)
    vote.update("A", 0.6)
    vote.update("B", 0.99)
    result = vote.update("A", 1.0)
    assert result.letter == "A"
    assert result.confidence == pytest.approx(0.8)


def test_vote_forgets_frames_outside_window():
    vote = MajorityVote(window=3)
    for letter in "AAABBB":
        result = vote.update(letter, 0.9)
    assert result.letter == "B"


def test_vote_reset_forgets_everything():
    vote = MajorityVote(window=3)
    vote.update("A", 0.9)
    vote.update("A", 0.9)
    vote.reset()
    assert vote.update("C", 0.7).letter == "C"


@pytest.mark.parametrize("window", [0, -3])
def test_vote_rejects_window(window):
    with pytest.raises(ValueError, match="window"):
        MajorityVote(window)


@pytest.mark.parametrize("hold_s", [0, -1.0])
def test_speller_rejects_hold(hold_s):
    with pytest.raises(ValueError, match="hold_s"):
        Speller(hold_s)


def test_speller_types_letter_after_hold():
    clock = FakeClock()
    speller = Speller(1.0, clock)
    assert speller.update("A") is None
    clock.advance(0.9)
    assert speller.update("A") is None
    assert speller.text == ""
    clock.advance(0.1)
    assert speller.update("A") == "A"
    assert speller.text == "A"


def test_speller_types_held_letter_once():
    clock = FakeClock()
    speller = Speller(1.0, clock)
    feed(speller, clock, "B", 5.0)
    assert speller.text == "B"


def test_speller_ignores_short_letters():
    clock = FakeClock()
    speller = Speller(1.0, clock)
    for letter in "ABCABC":
        feed(speller, clock, letter, 0.5)
    assert speller.text == ""


def test_speller_spells_hello_with_release():
    clock = FakeClock()
    speller = Speller(1.0, clock)
    for letter in ["H", "E", "L", None, "L", "O", None]:
        feed(speller, clock, letter, 1.5)
    assert speller.text == "HELLO"


def test_speller_double_letter_needs_release():
    clock = FakeClock()
    speller = Speller(1.0, clock)
    feed(speller, clock, "L", 3.5)
    assert speller.text == "L"
    feed(speller, clock, "I", 0.2)
    feed(speller, clock, "L", 1.5)
    assert speller.text == "LL"


def test_speller_no_letter_types_nothing():
    clock = FakeClock()
    speller = Speller(1.0, clock)
    feed(speller, clock, None, 5.0)
    assert speller.text == ""
    assert speller.hold_progress() == 0.0


def test_speller_hold_progress_rises_to_one():
    clock = FakeClock()
    speller = Speller(2.0, clock)
    speller.update("K")
    clock.advance(1.0)
    assert speller.hold_progress() == pytest.approx(0.5)
    clock.advance(1.0)
    speller.update("K")
    assert speller.hold_progress() == 1.0
    clock.advance(5.0)
    assert speller.hold_progress() == 1.0


def test_speller_space_delete_and_clear():
    clock = FakeClock()
    speller = Speller(1.0, clock)
    speller.add_space()
    assert speller.text == ""
    feed(speller, clock, "H", 1.5)
    feed(speller, clock, "I", 1.5)
    speller.add_space()
    speller.add_space()
    assert speller.text == "HI "
    speller.delete_last()
    speller.delete_last()
    assert speller.text == "H"
    speller.clear()
    assert speller.text == ""
    speller.delete_last()
    assert speller.text == ""


def test_speller_clear_does_not_retype_held_letter():
    clock = FakeClock()
    speller = Speller(1.0, clock)
    feed(speller, clock, "W", 1.5)
    speller.clear()
    feed(speller, clock, "W", 3.0)
    assert speller.text == ""

"""The sign-in throttle's arithmetic, on a clock the test moves."""

from __future__ import annotations

from hub.auth.throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _throttle(clock: Clock, per_user: int = 3, per_address: int = 5) -> LoginThrottle:
    return LoginThrottle(per_user, per_address, 900.0, 600.0, clock=clock)


def test_a_burst_of_concurrent_guesses_gets_no_more_tries_than_a_series() -> None:
    throttle = _throttle(Clock())
    let_through = [throttle.begin("bob", "10.0.0.1") is None for _ in range(10)]
    assert let_through.count(True) == 3
    for _ in range(3):
        throttle.end("bob", "10.0.0.1", False)
    wait = throttle.begin("bob", "10.0.0.1")
    assert wait is not None and 599 < wait <= 600


def test_the_lock_ends_and_counting_starts_afresh() -> None:
    clock = Clock()
    throttle = _throttle(clock)
    for _ in range(3):
        assert throttle.begin("bob", None) is None
        throttle.end("bob", None, False)
    clock.now += 601
    assert throttle.begin("bob", None) is None
    throttle.end("bob", None, False)
    assert throttle.begin("bob", None) is None, "one failure after the lock is one, not four"


def test_success_clears_the_username_but_not_the_address() -> None:
    throttle = _throttle(Clock())
    for name in ("Bob", "bob", " BOB "):  # one username however it is typed
        assert throttle.begin(name, "10.0.0.1") is None
        throttle.end(name, "10.0.0.1", False if name != " BOB " else True)
    for _ in range(2):
        assert throttle.begin("bob", "10.0.0.2") is None
        throttle.end("bob", "10.0.0.2", False)
    assert throttle.begin("bob", "10.0.0.2") is None, "the success cleared bob's failures"
    throttle.end("bob", "10.0.0.2", None)  # no verdict (the hub failed): not counted
    for name in ("ann", "cat", "eve"):
        assert throttle.begin(name, "10.0.0.1") is None
        throttle.end(name, "10.0.0.1", False)
    assert throttle.begin("dan", "10.0.0.1") is not None, "five failures from 10.0.0.1"


def test_failures_older_than_the_window_are_forgotten() -> None:
    clock = Clock()
    throttle = _throttle(clock)
    for _ in range(2):
        assert throttle.begin("bob", None) is None
        throttle.end("bob", None, False)
    clock.now += 901
    for _ in range(2):
        assert throttle.begin("bob", None) is None
        throttle.end("bob", None, False)
    assert throttle.begin("bob", None) is None


def test_a_zero_limit_counts_nothing() -> None:
    throttle = _throttle(Clock(), per_user=0, per_address=0)
    for _ in range(50):
        assert throttle.begin("bob", "10.0.0.1") is None
        throttle.end("bob", "10.0.0.1", False)

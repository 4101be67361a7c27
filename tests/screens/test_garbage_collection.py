"""The collector's full pass waits for a quiet desk, and never waits forever."""

from __future__ import annotations

from screens.garbage_collection import IdleCollector


class FakeGc:
    def __init__(self) -> None:
        self.threshold = (700, 10, 10)
        self.passes = 0  # middle-generation passes since the last full one
        self.collected: list[int] = []
        self.frozen = 0

    def get_count(self) -> tuple[int, int, int]:
        return (0, 0, self.passes)

    def get_threshold(self) -> tuple[int, int, int]:
        return self.threshold

    def set_threshold(self, threshold0: int, threshold1: int = 10,
                      threshold2: int = 10) -> None:
        self.threshold = (threshold0, threshold1, threshold2)

    def collect(self, generation: int = 2) -> int:
        self.collected.append(generation)
        self.passes = 0
        return 0

    def freeze(self) -> None:
        self.frozen += 1


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def collector() -> tuple[IdleCollector, FakeGc, Clock]:
    gc, clock = FakeGc(), Clock()
    return IdleCollector(quiet_s=1.0, every_s=60.0, overdue_passes=100, clock=clock,
                         collector=gc), gc, clock


def test_nothing_happens_before_it_is_started() -> None:
    c, gc, clock = collector()
    gc.passes = 500
    clock.t += 3600
    assert c.poll() is False
    assert gc.collected == [] and gc.threshold == (700, 10, 10)


def test_start_freezes_start_up_objects_and_takes_the_full_pass_over() -> None:
    c, gc, _clock = collector()
    c.start()
    c.start()  # twice is once
    assert gc.frozen == 1
    assert gc.threshold[:2] == (700, 10) and gc.threshold[2] > 10**6
    c.stop()
    assert gc.threshold == (700, 10, 10)  # given back as it was


def test_the_full_pass_waits_for_a_quiet_desk_and_a_minute() -> None:
    c, gc, clock = collector()
    c.start()
    gc.passes = 5
    clock.t += 30
    assert c.poll() is False  # not a minute yet
    clock.t += 31
    c.input_seen()
    clock.t += 0.5
    assert c.poll() is False  # a key half a second ago: not now
    clock.t += 0.6
    assert c.poll() is True  # quiet for over a second
    assert gc.collected == [2]
    gc.passes = 5
    clock.t += 10
    assert c.poll() is False  # the last one is ten seconds old
    assert c.full_passes == 1


def test_nothing_to_collect_is_not_collected() -> None:
    c, gc, clock = collector()
    c.start()
    clock.t += 3600
    assert c.poll() is False
    assert gc.collected == []


def test_endless_typing_does_not_hold_memory_forever() -> None:
    c, gc, _clock = collector()
    c.start()
    gc.passes = 100  # overdue
    c.input_seen()
    assert c.poll() is True
    assert gc.collected == [2]

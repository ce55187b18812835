"""The per-generation cache behind the dashboard, the Pact for Skills report, the gap catalogue and drawn pages:
never a value of an older generation, one computation for requests that ask together, warm-ups after a write."""

from __future__ import annotations

import os
import threading
import time

import pytest

from smarco_kg.generation_cache import LANE, NICE, GenerationCache


def test_a_value_is_served_only_at_the_generation_it_was_computed_for() -> None:
    cache: GenerationCache[str, int] = GenerationCache("test")
    assert cache.get(1, "a", lambda: 10) == 10
    assert cache.get(1, "a", lambda: 99) == 10  # kept
    assert cache.get(2, "a", lambda: 20) == 20  # a write later: computed again
    assert cache.peek(1, "a") is None  # the older generation's value went when the newer one was kept
    assert cache.peek(2, "a") == 20


def test_requests_asking_together_share_one_computation() -> None:
    cache: GenerationCache[str, int] = GenerationCache("test")
    calls: list[int] = []
    started = threading.Event()

    def slow() -> int:
        calls.append(1)
        started.set()
        time.sleep(0.3)
        return len(calls)

    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(cache.get(5, "k", slow))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert started.is_set() and calls == [1] and answers == [1, 1, 1, 1]


def test_a_failed_computation_is_tried_again_by_the_next_request() -> None:
    cache: GenerationCache[str, int] = GenerationCache("test")

    def failing() -> int:
        raise RuntimeError("the store closed")

    with pytest.raises(RuntimeError):
        cache.get(1, "k", failing)
    assert cache.peek(1, "k") is None
    assert cache.get(1, "k", lambda: 7) == 7


def test_only_so_many_values_are_kept() -> None:
    cache: GenerationCache[int, int] = GenerationCache("test", kept=3)
    for key in range(5):
        cache.get(1, key, lambda key=key: key)  # type: ignore[misc]
    assert [cache.peek(1, key) for key in range(5)] == [None, None, 2, 3, 4]


def test_a_write_has_what_was_asked_last_computed_again_in_the_background() -> None:
    generation = [1]
    cache: GenerationCache[str, int] = GenerationCache("warm-test", warm=2, generation=lambda: generation[0])
    for key in ("old", "a", "b"):  # only the two asked last are warmed
        cache.get(1, key, lambda key=key: generation[0] * 10 + len(key))  # type: ignore[misc]
    generation[0] = 2
    cache.kick()
    assert LANE.idle(10)
    assert cache.peek(2, "a") == 21 and cache.peek(2, "b") == 21
    assert cache.peek(2, "old") is None and cache.peek(1, "a") is None


def test_without_a_generation_to_read_a_write_warms_nothing() -> None:
    cache: GenerationCache[str, int] = GenerationCache("cold-test", warm=2)
    cache.get(1, "a", lambda: 1)
    cache.kick()
    assert LANE.idle(10)
    assert cache.peek(2, "a") is None


def test_the_warm_ups_run_one_at_a_time_the_cheapest_first() -> None:
    generation = [1]
    ran: list[str] = []
    gate = threading.Event()

    def blocking() -> str:
        if generation[0] == 2:  # the warm-up after the write holds the lane until the gate opens
            assert gate.wait(10)
        return "first"

    first: GenerationCache[str, str] = GenerationCache("first", warm=1, generation=lambda: generation[0], priority=5)
    heavy: GenerationCache[str, str] = GenerationCache("heavy", warm=1, generation=lambda: generation[0], priority=2)
    light: GenerationCache[str, str] = GenerationCache("light", warm=1, generation=lambda: generation[0], priority=0)
    first.get(1, "k", blocking)
    heavy.get(1, "k", lambda: ran.append("heavy") or "heavy")  # type: ignore[func-returns-value]
    light.get(1, "k", lambda: ran.append("light") or "light")  # type: ignore[func-returns-value]
    ran.clear()
    generation[0] = 2
    first.kick()  # takes the lane and holds it until the gate opens
    heavy.kick()
    light.kick()  # queued after the heavy one, run before it
    gate.set()
    assert LANE.idle(10)
    assert ran == ["light", "heavy"]


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="thread priorities are read on Linux")
def test_long_warm_ups_yield_the_cores_to_requests_and_short_ones_do_not() -> None:
    generation = [1]
    seen: dict[str, list[int]] = {"nice": [], "plain": []}

    def niceness(name: str) -> int:
        seen[name].append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return len(seen[name])

    niced: GenerationCache[str, int] = GenerationCache("nice", warm=1, generation=lambda: generation[0], nice=True)
    plain: GenerationCache[str, int] = GenerationCache("plain", warm=1, generation=lambda: generation[0])
    niced.get(1, "k", lambda: niceness("nice"))  # asked by this thread: computed here
    plain.get(1, "k", lambda: niceness("plain"))
    generation[0] = 2
    niced.kick()  # computed again in the lane
    plain.kick()
    assert LANE.idle(10)
    assert niced.peek(2, "k") == 2 and plain.peek(2, "k") == 2
    request, warm_up = seen["nice"]
    assert warm_up == max(request, NICE) and NICE == 10
    assert seen["plain"] == [request, request], "the lane's own thread keeps the server's priority"

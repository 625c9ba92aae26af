"""The ordered process pool behind `audit --jobs N`: input order, errors, stopping early."""

import gc
import time

import pytest

from checker.pool import OrderedPool, WorkerError


def square_slowly(chunk):
    time.sleep(0.01 * (chunk[0] % 3))  # chunks finish out of order
    return [x * x for x in chunk]


def fail_on_seven(chunk):
    if 7 in chunk:
        raise ValueError("seven")
    return chunk


def test_results_come_in_input_order():
    chunks = [[i, i + 100] for i in range(40)]
    with OrderedPool(3, square_slowly, depth=2) as pool:
        assert list(pool.map(chunks)) == [[i * i, (i + 100) ** 2] for i in range(40)]


def test_this_process_works_too_and_order_holds():
    chunks = [[i, i + 100] for i in range(60)]
    here = []

    def local(chunk):
        here.append(chunk[0])
        return square_slowly(chunk)

    with OrderedPool(1, square_slowly, depth=2) as pool:
        assert list(pool.map(chunks, local=local)) == [[i * i, (i + 100) ** 2] for i in range(60)]
    # The worker sleeps on two chunks of three: this process, waiting on it, took some itself.
    assert 0 < len(here) < 60


def test_a_worker_exception_is_raised_in_the_parent():
    with pytest.raises(WorkerError, match="ValueError: seven"):
        with OrderedPool(2, fail_on_seven) as pool:
            list(pool.map([[i] for i in range(20)]))


def test_stopping_early_kills_the_workers_at_once():
    pool = OrderedPool(2, square_slowly)
    results = pool.map([[i] for i in range(10_000)])
    assert next(results) == [0]
    t = time.monotonic()
    results.close()
    pool.kill()
    assert time.monotonic() - t < 5
    assert not any(p.is_alive() for p in pool._procs)


def test_without_workers_this_process_does_it_all():
    with OrderedPool(0, square_slowly) as pool:
        assert list(pool.map([[1], [2]], local=lambda c: [x + 1 for x in c])) == [[2], [3]]
        with pytest.raises(ValueError):
            list(pool.map([[1]]))


def test_this_process_may_run_further_ahead_and_order_holds():
    chunks = [[i, i + 100] for i in range(60)]
    here = []

    def local(chunk):
        here.append(chunk[0])
        return [x * x for x in chunk]  # much faster than the worker: it runs `ahead` chunks in front of it

    with OrderedPool(1, square_slowly, depth=2, ahead=8) as pool:
        assert list(pool.map(chunks, local=local)) == [[i * i, (i + 100) ** 2] for i in range(60)]
    assert len(here) > 30


def test_closing_does_not_wait_for_the_workers_but_they_go():
    pool = OrderedPool(2, square_slowly)
    assert list(pool.map([[i] for i in range(10)])) == [[i * i] for i in range(10)]
    pool.close()
    deadline = time.monotonic() + 10
    while any(p.is_alive() for p in pool._procs) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not any(p.is_alive() for p in pool._procs)
    assert all(p.exitcode == 0 for p in pool._procs)


def test_the_callers_freeze_is_kept_and_the_pools_own_undone():
    gc.freeze()
    try:
        with OrderedPool(1, square_slowly, frozen=True) as pool:
            assert list(pool.map([[2]])) == [[4]]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    with OrderedPool(1, square_slowly) as pool:
        assert list(pool.map([[3]])) == [[9]]
    assert gc.get_freeze_count() == 0

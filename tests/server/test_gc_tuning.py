"""The garbage-collector settings that ``serve`` and ``worker`` apply once started."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from monopilot_integrations.core.settings import Settings
from monopilot_integrations.server.app import create_app, kernel_of
from monopilot_integrations.server.gc_tuning import DEFAULT_YOUNG_THRESHOLD, tune_collector
from monopilot_integrations.server.serve import tune_on_startup


@pytest.fixture(autouse=True)
def restore_collector() -> Iterator[None]:
    """Leave the test process's collector as it was."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_startup_objects_are_frozen_and_the_young_threshold_raised() -> None:
    kept = [Cycle() for _ in range(100)]  # alive at "startup": frozen, never walked again
    middle, old = gc.get_threshold()[1:]
    assert tune_collector(25_000) is True
    assert gc.get_threshold() == (25_000, middle, old)
    assert gc.get_freeze_count() >= len(kept)
    walked = gc.get_objects()  # the generations a collection walks (not the frozen one)
    assert not any(obj is kept[0] for obj in walked)


def test_cycles_made_afterwards_are_still_collected() -> None:
    tune_collector(DEFAULT_YOUNG_THRESHOLD)
    collected: list[str] = []
    cycle = Cycle()

    weakref.finalize(cycle, collected.append, "freed")
    del cycle
    gc.collect()
    assert collected == ["freed"]


def test_zero_leaves_python_alone() -> None:
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    assert tune_collector(0) is False
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_the_setting_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().gc_young_threshold == DEFAULT_YOUNG_THRESHOLD
    monkeypatch.setenv("MONOPILOT_GC_YOUNG_THRESHOLD", "0")
    assert Settings().gc_young_threshold == 0
    monkeypatch.setenv("MONOPILOT_GC_YOUNG_THRESHOLD", "-1")
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        Settings()


async def test_serve_tunes_once_the_kernel_is_up(settings: Settings) -> None:
    settings = settings.model_copy(update={"gc_young_threshold": 12_345})
    app = create_app(settings, embedded_worker=False)
    tune_on_startup(app)
    kernel = kernel_of(app)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        response = await client.get("/healthz")
        assert response.status == 200
        assert gc.get_threshold()[0] == 12_345
        # Tuned on startup: what the app holds (its kernel's engine) is frozen.
        walked = gc.get_objects()
        assert not any(obj is kernel.database.engine for obj in walked)

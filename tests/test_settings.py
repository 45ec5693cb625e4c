from __future__ import annotations

import pytest

from pytest_ovbench.config.settings import DEFAULT_TIME_S, Settings, SettingsError, merge, validate


def test_unknown_keyword_is_named() -> None:
    with pytest.raises(SettingsError, match=r"nitre.*unknown keyword"):
        validate({"nitre": 5})


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("niter", 0),
        ("niter", 2.5),
        ("niter", True),
        ("time", -1),
        ("time", float("nan")),
        ("hint", "fastest"),
        ("nstreams", "many"),
        ("config", ["x"]),
        ("device", ""),
    ],
)
def test_bad_values_are_refused(keyword: str, value: object) -> None:
    with pytest.raises(SettingsError) as info:
        validate({keyword: value})
    assert info.value.keyword == keyword
    assert repr(value) in str(info.value)


def test_hint_aliases() -> None:
    assert validate({"hint": "TPUT"})["hint"] == "throughput"
    assert validate({"hint": "ctput"})["hint"] == "cumulative_throughput"


def test_precedence_call_over_marker_over_defaults() -> None:
    settings, model = merge(
        {"device": "CPU", "niter": 1, "time": 9.0}, {"niter": 5, "model": "m.xml"}, {"niter": 7}
    )
    assert (settings.niter, settings.time, settings.device, model) == (7, 9.0, "CPU", "m.xml")


def test_forced_device_wins_over_everything() -> None:
    settings, _ = merge({"device": "CPU"}, {"device": "GPU"}, {"device": "NPU"}, forced_device="GPU.1")
    assert settings.device == "GPU.1"


def test_default_stop_rule_and_both_limits() -> None:
    assert Settings().stop_rule() == (None, DEFAULT_TIME_S)
    assert Settings(niter=10).stop_rule() == (10, None)
    assert Settings(niter=10, time=1.0).stop_rule() == (10, 1.0)


def test_compile_config_maps_keywords_like_benchmark_app() -> None:
    settings = Settings(nireq=4, nstreams=2, nthreads=1, config={"PERF_COUNT": True})
    assert settings.compile_config("async") == {
        "PERFORMANCE_HINT": "THROUGHPUT",
        "PERFORMANCE_HINT_NUM_REQUESTS": 4,
        "NUM_STREAMS": 2,
        "INFERENCE_NUM_THREADS": 1,
        "PERF_COUNT": True,
    }
    assert settings.compile_config("sync")["PERFORMANCE_HINT"] == "LATENCY"
    assert "PERFORMANCE_HINT" not in Settings(hint="none").compile_config("sync")

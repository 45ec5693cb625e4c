"""The fixtures users write against: ``ov_model``, ``infer_sync``, ``infer_queue`` (thin glue)."""

from __future__ import annotations

from typing import Any

import pytest

from . import options
from .errors import DeviceUnavailable, ModelError
from .markers import marker_keywords
from .models import LoadedModel
from .session import SESSION_KEY, OvbenchSession
from .settings import Settings, SettingsError, merge, validate

NO_MODEL = (
    "no model given for this ovbench test. Give one with @pytest.mark.ovbench(model='path/to/model.xml'), "
    "with @pytest.mark.parametrize('ov_model', ['a.xml'], indirect=True), or as "
    "infer_sync(model=...) / infer_queue(model=...). Paths are relative to pytest's rootdir."
)


def _session(request: pytest.FixtureRequest) -> OvbenchSession:
    return request.config.stash[SESSION_KEY]


def _model_fail(exc: ModelError) -> None:
    __tracebackhide__ = True
    pytest.fail(f"ovbench: {exc}", pytrace=False)


def _load(request: pytest.FixtureRequest, spec: Any) -> LoadedModel:
    __tracebackhide__ = True
    try:
        return _session(request).load_model(spec)
    except ModelError as exc:
        _model_fail(exc)
        raise


@pytest.fixture
def ov_model(request: pytest.FixtureRequest) -> Any:
    """The model under test as an ``openvino.Model`` (pytest-ovbench).

    Taken from the indirect parameter (``@pytest.mark.parametrize("ov_model", [...], indirect=True)``,
    a path or an openvino.Model), else from ``@pytest.mark.ovbench(model=...)``. Relative paths are
    taken against pytest's rootdir; any format ``Core.read_model`` reads. The object is shared by
    the tests that name the same unchanged file: do not change it in place.
    """
    spec = getattr(request, "param", None)
    if spec is None:
        spec = marker_keywords(request.node).get("model")
    if spec is None:
        pytest.fail(f"ovbench: {NO_MODEL}", pytrace=False)
    return _load(request, spec).model


class Measurer:
    """The callable that ``infer_sync`` / ``infer_queue`` hand to the test."""

    def __init__(self, request: pytest.FixtureRequest, mode: str) -> None:
        self._request = request
        self._mode = mode

    def settings(self, call_keywords: dict[str, Any]) -> tuple[Settings, Any]:
        __tracebackhide__ = True
        config = self._request.config
        try:
            call = validate(call_keywords)
        except SettingsError as exc:
            fixture = "infer_sync" if self._mode == "sync" else "infer_queue"
            pytest.fail(
                f"ovbench: {self._request.node.nodeid}: {fixture}({exc.keyword}={exc.value!r}): {exc.reason}",
                pytrace=False,
            )
        marker = marker_keywords(self._request.node)
        marker.pop("model", None)
        return merge(options.defaults(config), marker, call, options.forced_device(config))

    def model(self, spec: Any) -> LoadedModel:
        __tracebackhide__ = True
        if spec is None:
            spec = self._request.getfixturevalue("ov_model")
        return _load(self._request, spec)

    def __call__(self, model: Any = None, **keywords: Any) -> Any:
        __tracebackhide__ = True
        from .measure import measure_async, measure_sync

        settings, _ = self.settings(keywords)
        session = _session(self._request)
        loaded = self.model(model)
        try:
            compiled = session.compile(loaded, settings.device, settings.compile_config(self._mode))
        except DeviceUnavailable as exc:
            if session.strict:
                pytest.fail(f"ovbench: {exc} (--ov-strict)", pytrace=False)
            pytest.skip(f"ovbench: {exc}")
        except ModelError as exc:
            _model_fail(exc)
        measure = measure_sync if self._mode == "sync" else measure_async
        result = measure(compiled, settings, loaded.read_ms)
        result.model_path = str(loaded.path) if loaded.path else None
        session.record(self._request.node.nodeid, result, loaded)
        return result


@pytest.fixture
def infer_sync(request: pytest.FixtureRequest) -> Measurer:
    """Measure latency with OpenVINO's synchronous loop (pytest-ovbench).

    ``infer_sync(model=None, **settings) -> Result``: compile (cached per session), one infer
    request with seeded random inputs, warm-up, then ``infer()`` in a loop. Latency per request is
    ``InferRequest.latency`` (ms); throughput = batch x completed / loop wall time. Settings:
    call keywords > @pytest.mark.ovbench > --ov-*/ini defaults; --ov-device wins over all.
    """
    return Measurer(request, "sync")


@pytest.fixture
def infer_queue(request: pytest.FixtureRequest) -> Measurer:
    """Measure throughput with OpenVINO's asynchronous loop (pytest-ovbench).

    ``infer_queue(model=None, nireq=None, **settings) -> Result``: an AsyncInferQueue of ``nireq``
    requests (default OPTIMAL_NUMBER_OF_INFER_REQUESTS), each warmed up, all kept busy; throughput
    = batch x completed / (first submit to last completion). Same settings as ``infer_sync``.
    """
    return Measurer(request, "async")

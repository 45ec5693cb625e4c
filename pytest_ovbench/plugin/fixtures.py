"""The fixtures users write against: ``ov_model``, ``infer_sync``, ``infer_queue`` (thin glue).

A call measures, then, unless baselines are being updated, judges the result: against the stored
baseline, or in reference mode against a reference model measured alternately in the same run.
What the judgement means for the test (failure, warning) is settled after the test body, in
outcomes.py.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from pytest_ovbench.config.config_files import with_files
from pytest_ovbench.config.settings import Settings, SettingsError, merge, validate
from pytest_ovbench.errors import DeviceUnavailable, OvbenchError
from pytest_ovbench.plugin import options
from pytest_ovbench.plugin.markers import marker_keywords
from pytest_ovbench.plugin.session import SESSION_KEY, OvbenchSession
from pytest_ovbench.plugin.xdist import plain_nodeid
from pytest_ovbench.runtime.models import LoadedModel

if TYPE_CHECKING:  # numpy and scipy come with these: tests that measure nothing never pay for them
    from pytest_ovbench.engine.measurement import Measurement
    from pytest_ovbench.measure.result import Result

NO_MODEL = (
    "no model given for this ovbench test. Give one with "
    "@pytest.mark.ovbench(model='path/to/model.xml'), with "
    "@pytest.mark.parametrize('ov_model', ['a.xml'], indirect=True), or as "
    "infer_sync(model=...) / infer_queue(model=...). Paths are relative to pytest's rootdir."
)


def _session(request: pytest.FixtureRequest) -> OvbenchSession:
    return request.config.stash[SESSION_KEY]


def _fail(exc: Exception) -> NoReturn:
    __tracebackhide__ = True
    pytest.fail(f"ovbench: {exc}", pytrace=False)


def _load(request: pytest.FixtureRequest, spec: Any) -> LoadedModel:
    __tracebackhide__ = True
    try:
        return _session(request).workspace.load_model(spec)
    except OvbenchError as exc:
        problem = exc
    _fail(problem)


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
        self._session = _session(request)

    def _settings(self, call_keywords: dict[str, Any]) -> Settings:
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
        settings, _ = merge(options.defaults(config), marker, call, options.forced_device(config))
        try:
            return with_files(settings, self._session.workspace.rootdir)
        except OvbenchError as exc:
            problem = exc
        pytest.fail(f"ovbench: {self._request.node.nodeid}: {problem}", pytrace=False)

    def _model(self, spec: Any) -> LoadedModel:
        __tracebackhide__ = True
        if spec is None:
            spec = self._request.getfixturevalue("ov_model")
        return _load(self._request, spec)

    def __call__(self, model: Any = None, **keywords: Any) -> Result:
        """Measure ``model`` (default: ``ov_model``) with the settings given as keywords (see the
        marker); the verdict against the baseline or reference is settled after the test body."""
        __tracebackhide__ = True
        settings = self._settings(keywords)
        loaded = self._model(model)
        problem: OvbenchError | None = None
        try:
            measurement = self._measure(loaded, settings)
        except OvbenchError as exc:
            problem = exc  # reported outside the except block, without the chained traceback
        if isinstance(problem, DeviceUnavailable) and not self._session.strict:
            pytest.skip(f"ovbench: {problem}")
        if problem is not None:
            suffix = " (--ov-strict)" if isinstance(problem, DeviceUnavailable) else ""
            pytest.fail(f"ovbench: {problem}{suffix}", pytrace=False)
        self._session.record(measurement)
        from pytest_ovbench.plugin.benchmark_bridge import publish

        publish(self._request, measurement)
        return measurement.result

    def _nodeid(self) -> str:
        """The test's node id as baselines and measurements key on it: no xdist group suffix."""
        return plain_nodeid(self._request.node.nodeid)

    def _measure(self, loaded: LoadedModel, settings: Settings) -> Measurement:
        """Holding the machine-wide measurement lock (machine_lock.py) from compiling to verdict."""
        label = f"{self._nodeid()} {settings.name or self._mode!r}"
        with self._session.measure_lock.held(label) as waited:
            started = time.time()
            measurement = self._measure_unlocked(loaded, settings)
            measurement.started, measurement.finished = started, time.time()
        measurement.lock_wait_s = waited
        return measurement

    def _measure_unlocked(self, loaded: LoadedModel, settings: Settings) -> Measurement:
        from pytest_ovbench.engine import judging

        workspace, nodeid = self._session.workspace, self._nodeid()
        compiled = workspace.compile(loaded, settings, self._mode)
        env_key = workspace.env_key(settings.device)
        reference = settings.reference
        if not workspace.update and (reference is not None or workspace.reference_rev):
            return judging.against_reference(
                workspace, nodeid, loaded, compiled, settings, self._mode, reference, env_key
            )
        if nodeid.startswith("::"):  # pytest's node id for a module outside the rootdir
            raise OvbenchError(
                f"test module {self._request.node.path} is outside pytest's rootdir "
                f"({workspace.rootdir}), so its node ids name no module and its baselines no file. "
                "Run pytest with a rootdir that holds the module: --rootdir=<a common parent>, or "
                "the ini file (pytest.ini, pyproject.toml, ...) in such a folder"
            )
        return judging.against_baseline(workspace, nodeid, loaded, compiled, settings, self._mode, env_key)


@pytest.fixture
def infer_sync(request: pytest.FixtureRequest) -> Measurer:
    """Measure latency with OpenVINO's synchronous loop (pytest-ovbench).

    ``infer_sync(model=None, **settings) -> Result``: compile (cached per session), one infer
    request with seeded random inputs, warm-up, then ``infer()`` in a loop. Latency per request is
    ``InferRequest.latency`` (ms); throughput = batch x completed / loop wall time. Settings:
    call keywords > @pytest.mark.ovbench > --ov-*/ini defaults; --ov-device wins over all. The
    result is compared with its baseline (baselines/<module>.yaml) after the test body.
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

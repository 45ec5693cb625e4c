"""JUnit XML from measurement records (``ovbench merge --junitxml``): one ``<testcase>`` per test,
named as pytest's own ``--junitxml`` names it, so that a CI's test history carries over from an
unsplit run to a merged one; a ``<failure>`` for a regressed measurement and the record's
:func:`~pytest_ovbench.report.records.junit_properties` (pure formatting).

Test ids, names and reasons come from users and baseline files: every piece of text is made
printable and then stripped of what XML 1.0 cannot hold (ElementTree escapes ``<&>"`` but writes
``\\x1b`` or ``\\uffff`` as they are, which no XML reader accepts).
"""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from pytest_ovbench.judge.status import Status
from pytest_ovbench.metrics import LABELS
from pytest_ovbench.report.escaping import printable
from pytest_ovbench.report.records import junit_properties
from pytest_ovbench.report.text import figure, percent, sees

__all__ = ["junit_names", "render_junit", "xml_text"]

# What XML 1.0 cannot hold: control characters but tab and line ends, surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """``value`` as text XML 1.0 can hold: printable, anything XML refuses escaped as Python writes it."""
    return _NOT_XML.sub(lambda match: repr(match.group())[1:-1], printable(value))


def junit_names(nodeid: str) -> tuple[str, str]:
    """(classname, name) as pytest's junitxml makes them: ``tests/perf/test_x.py::TestC::test_y[p]``
    gives ``tests.perf.test_x.TestC`` and ``test_y[p]``; parameters (after the first ``[``) are
    kept whole, whatever they hold."""
    path, bracket, params = nodeid.partition("[")
    names = path.split("::")
    names[0] = re.sub(r"\.py$", "", names[0].replace("/", "."))
    return ".".join(names[:-1]), names[-1] + bracket + params


def render_junit(records: Sequence[dict[str, Any]], timestamp: str) -> str:
    """The XML document: ``<testsuites>`` holding one ``<testsuite name="pytest">`` whose counts
    are of its test cases, as pytest writes it."""
    by_test: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_test.setdefault(record["nodeid"], []).append(record)
    cases = [_testcase(nodeid, measured) for nodeid, measured in by_test.items()]
    failures = sum(case.find("failure") is not None for case in cases)
    suite = ET.Element(
        "testsuite",
        name="pytest",
        errors="0",
        failures=str(failures),
        skipped="0",
        tests=str(len(cases)),
        time=f"{sum(float(case.get('time', 0)) for case in cases):.3f}",
        timestamp=xml_text(timestamp),
    )
    suite.extend(cases)
    suites = ET.Element("testsuites", name="pytest tests")
    suites.append(suite)
    return '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(suites, encoding="unicode") + "\n"


def _testcase(nodeid: str, records: Sequence[dict[str, Any]]) -> ET.Element:
    classname, name = junit_names(nodeid)
    seconds = sum(_seconds(r) for r in records)
    case = ET.Element("testcase", classname=xml_text(classname), name=xml_text(name), time=f"{seconds:.3f}")
    properties = ET.SubElement(case, "properties")
    for record in records:
        for key, value in junit_properties(record):
            ET.SubElement(properties, "property", name=xml_text(key), value=xml_text(value))
    failed = [r for r in records if r["verdict"] == Status.REGRESSED]
    if failed:
        heads = [_head(r) for r in failed]
        failure = ET.SubElement(case, "failure", message=xml_text("; ".join(heads)))
        failure.text = "\n".join(line for r in failed for line in _failure_lines(r))
    return case


def _head(record: dict[str, Any]) -> str:
    return f"ovbench: {printable(record['nodeid'])} {printable(record['name'])!r} regressed"


def _failure_lines(record: dict[str, Any]) -> list[str]:
    """What the test's own failure says, from the record: the figures of each regressed metric."""
    lines = [_head(record)]
    for c in record["comparisons"]:
        if c["status"] != Status.REGRESSED:
            continue
        label, unit = LABELS.get(c["metric"], (c["metric"], ""))
        change = f"raw {percent(c['change']) or '-'}; net {percent(c.get('adjusted_change')) or '-'}"
        lines.append(
            f"  {label}  {figure(c['baseline'])} {unit} -> {figure(c['current'])} {unit}  "
            f"({change}, sees {sees(c['detectable'])})"
        )
    lines.append(f"  baseline: {record.get('source')}")
    return [xml_text(line) for line in lines]


def _seconds(record: dict[str, Any]) -> float:
    """The span the measurement held the machine (its record's ``started`` to ``finished``); 0 unknown."""
    try:
        started = datetime.datetime.fromisoformat(str(record.get("started")))
        finished = datetime.datetime.fromisoformat(str(record.get("finished")))
        return max(0.0, (finished - started).total_seconds())
    except (TypeError, ValueError, OverflowError):
        return 0.0

"""A JUnit XML report: one test case per property (or per replayed request shape)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from mockserver._verify.runner import Result


def write(path: str | Path, suite: str, results: Sequence[Result]) -> None:
    """Write `results` as one ``<testsuite>``: a broken promise is a ``<failure>`` (its text
    holds the minimal failing request and the response), an unfinished check an ``<error>``."""
    failures = sum(r.failure is not None for r in results)
    errors = sum(r.failure is None and r.incomplete is not None for r in results)
    total = sum(r.seconds for r in results)
    root = ET.Element("testsuites")
    node = ET.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=str(len(results)),
        failures=str(failures),
        errors=str(errors),
        skipped="0",
        time=f"{total:.3f}",
    )
    for result in results:
        case = ET.SubElement(
            node, "testcase", classname=suite, name=result.name, time=f"{result.seconds:.3f}"
        )
        if result.failure is not None:
            failure = ET.SubElement(case, "failure", message=result.failure[:500])
            detail = result.exchange.describe() if result.exchange else ""
            failure.text = f"{result.failure}\n{detail}".strip()
        elif result.incomplete is not None:
            ET.SubElement(case, "error", message=result.incomplete)
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)

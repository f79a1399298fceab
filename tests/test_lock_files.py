"""The lock files `make` installs from (with --require-hashes) pin every dependency
pyproject.toml declares, each with its hashes, and the dev lock keeps the runtime pins."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+)((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})+)", re.M)


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / "requirements" / lock).read_text()
    found = {canonicalize_name(name): version for name, version, _ in PIN.findall(text)}
    # Every requirement line is a pin with hashes: nothing unpinned or unhashed slips in.
    lines = [line for line in text.splitlines() if re.match(r"^[A-Za-z0-9]", line)]
    assert len(lines) == len(found), "a requirement without == or without --hash"
    return found


def declared(group: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(spec).name) for spec in group}


def test_every_declared_dependency_is_pinned_and_hashed():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime, dev = pins("runtime.txt"), pins("dev.txt")
    assert declared(project["dependencies"]) - runtime.keys() == set()
    assert declared(project["optional-dependencies"]["dev"]) - dev.keys() == set()
    assert {name: dev.get(name) for name in runtime} == runtime
    assert "psycopg-binary" in runtime  # extras are resolved into packages of their own

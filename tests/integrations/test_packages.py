"""The integrations' shape: one package per upstream, all alike, and every name the rest
of the site imports from them resolves."""

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
INTEGRATIONS = ROOT / "oncall_site" / "integrations"
VENDORS = ("github", "pagerduty", "datadog", "slack")
SENDS_WEBHOOKS = ("pagerduty", "slack")
SOURCE_DIRS = ("oncall_site", "incidents", "security", "rotations", "releases", "sandbox")


def python_files(*dirs: str) -> list[Path]:
    return sorted(p for d in dirs for p in (ROOT / d).rglob("*.py") if "migrations" not in p.parts)


def imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return found


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_vendor_package_has_the_same_shape(vendor):
    # `resources` is a module, or a package of them once it outgrows one (GitHub's).
    folder = INTEGRATIONS / vendor
    modules = {p.name for p in folder.glob("*.py")}
    if (folder / "resources" / "__init__.py").exists():
        modules.add("resources.py")

    expected = {"__init__.py", "client.py", "resources.py", "types.py"}
    if vendor in SENDS_WEBHOOKS:
        expected.add("webhooks.py")
    assert modules == expected
    client = importlib.import_module(f"oncall_site.integrations.{vendor}")
    assert callable(client.config_from_settings) and callable(client.build_client)


def test_no_integration_module_touches_the_database_or_grows_past_600_lines():
    for path in python_files("oncall_site/integrations"):
        names = imports(path)
        assert not [n for n in names if n.startswith("django.db") or ".models" in n], path
        assert len(path.read_text().splitlines()) <= 600, path


def test_pdpyras_is_imported_in_the_pagerduty_package_only():
    importers = {
        path.relative_to(ROOT).as_posix()
        for path in python_files(*SOURCE_DIRS, "benchmarks")
        if any(n == "pdpyras" or n.startswith("pdpyras.") for n in imports(path))
    }

    assert importers == {"oncall_site/integrations/pagerduty/client.py"}


def test_every_name_the_site_takes_from_the_integrations_resolves():
    """`from oncall_site.integrations import github` then `github.iter_workflow_runs`, and
    `from oncall_site.integrations.errors import UpstreamError`, anywhere in the project."""
    checked = 0
    for path in python_files(*SOURCE_DIRS, "benchmarks", "tests"):
        tree = ast.parse(path.read_text())
        bound: dict[str, object] = {}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.ImportFrom) and node.module and not node.level):
                continue
            if not node.module.startswith("oncall_site.integrations"):
                continue
            module = importlib.import_module(node.module)
            for alias in node.names:
                try:
                    value = getattr(module, alias.name)
                except AttributeError:
                    value = importlib.import_module(f"{node.module}.{alias.name}")
                bound[alias.asname or alias.name] = value
                checked += 1
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in bound
                and isinstance(node.ctx, ast.Load)
                and type(bound[node.value.id]).__name__ == "module"
            ):
                assert hasattr(bound[node.value.id], node.attr), (
                    f"{path.relative_to(ROOT)}: {node.value.id}.{node.attr}"
                )
                checked += 1
    assert checked > 100  # the callers were found

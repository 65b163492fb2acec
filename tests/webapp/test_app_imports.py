"""Django apps import one another in one direction: accounts and checker at the bottom, review on
them, training and the worker on top. A cycle between apps is a failure, whichever import makes it
(at module level or inside a function)."""

from pathlib import Path

from tests.support.imports import find_cycle, imported_modules

ROOT = Path(__file__).resolve().parents[2]
APPS = {path.parent.name: f"webapp.{path.parent.name}" for path in (ROOT / "webapp").glob("*/apps.py")}
APPS["worker"] = "worker"


def app_of(module):
    """The app a dotted module name belongs to, or None (Django, ml, the project's own modules)."""
    for app, package in APPS.items():
        if module == package or module.startswith(package + "."):
            return app
    return None


def app_graph():
    """{app: the other apps its modules import}."""
    graph = {app: set() for app in APPS}
    for app, package in APPS.items():
        for source in (ROOT / package.replace(".", "/")).rglob("*.py"):
            module_package = ".".join(source.relative_to(ROOT).with_suffix("").parts[:-1])
            for module in imported_modules(source, module_package):
                other = app_of(module)
                if other not in (None, app):
                    graph[app].add(other)
    return graph


def test_no_two_apps_import_each_other_even_through_others():
    graph = app_graph()
    cycle = find_cycle(graph)
    assert cycle is None, f"import cycle between apps: {' -> '.join(cycle)} (graph: {graph})"
    assert {"accounts", "checker", "review", "training", "worker"} <= set(graph)


def test_accounts_and_the_public_checker_import_no_other_app():
    graph = app_graph()
    assert graph["accounts"] == set(), "accounts is what other apps build on"
    assert graph["checker"] <= {"accounts"}, "the public checker (and its model pages) builds on accounts only"


def test_the_cycle_finder_finds_a_cycle_through_a_third_app():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None

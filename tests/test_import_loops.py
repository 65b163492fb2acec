"""No import loop anywhere in the project's packages: every module stands on the ones it imports, at
module level or inside a function, and none of them stands on it in turn (ml's floors: ml/README.md)."""

from pathlib import Path

from tests.support.imports import find_cycle, module_graph

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ml", "webapp", "worker")


def test_no_module_of_ml_webapp_or_worker_imports_itself_through_others():
    graph = module_graph(ROOT, PACKAGES)
    cycle = find_cycle(graph)
    assert cycle is None, f"import loop: {' -> '.join(cycle)}"
    assert {"ml.methods", "ml.recipes", "ml.run", "webapp.training.jobs", "worker.tasks"} <= set(graph)


def test_ml_facts_stand_on_nothing_but_the_bottom_floor():
    graph = module_graph(ROOT, PACKAGES)
    assert graph["ml.names"] == set()
    assert graph["ml.methods"] <= {"ml.errors", "ml.names"}
    importers = {module for module, imports in graph.items() if "ml.recipes" in imports}
    assert importers <= {"ml", "ml.run", "ml.runtimes", "ml.cli"}, "the recipes stand near the top of ml"


def test_a_loop_hidden_in_a_function_is_found(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text("def f():\n    from pkg import high\n    return high\n")
    (package / "high.py").write_text("from pkg.low import f\n")
    (package / "other.py").write_text("import pkg.low\n")

    graph = module_graph(tmp_path, ("pkg",))

    assert graph["pkg.other"] == {"pkg.low"} and graph["pkg"] == set()
    assert find_cycle(graph) == ["pkg.high", "pkg.low", "pkg.high"]

"""Python 3.11 to 3.13: pyproject.toml says so, every pinned dependency has a wheel for 3.12 and 3.13
on PyPI, and our code uses nothing those versions removed.

The machine runs 3.11 (Debian bookworm ships no other), so the newer versions are checked by what
pip would install for them, and by reading our source for removed modules and names.
"""

import ast
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[2]
SUPPORTED = ("3.11", "3.12", "3.13")
SOURCE_DIRS = ("ml", "webapp", "worker", "tests", "scripts", "benchmarks")

# PEP 594 and earlier removals: gone in 3.12 (distutils, imp, asynchat, asyncore, smtpd) or 3.13.
REMOVED_MODULES = {
    "distutils",
    "imp",
    "asynchat",
    "asyncore",
    "smtpd",
    "aifc",
    "audioop",
    "cgi",
    "cgitb",
    "chunk",
    "crypt",
    "imghdr",
    "lib2to3",
    "mailcap",
    "msilib",
    "nis",
    "nntplib",
    "ossaudiodev",
    "pipes",
    "sndhdr",
    "spwd",
    "sunau",
    "telnetlib",
    "uu",
    "xdrlib",
}
# Names removed from modules that remain (3.12: configparser, ssl, unittest aliases, pkgutil; 3.13: locale).
REMOVED_NAMES = re.compile(
    r"\b(SafeConfigParser|readfp|ssl\.wrap_socket|ssl\.match_hostname|ImpImporter|ImpLoader|"
    r"assertEquals|assertNotEquals|assertRegexpMatches|assertDictContainsSubset|failUnless|failIf|"
    r"locale\.resetlocale|typing\.io|typing\.re)\b"
)


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def pins(python_version: str | None = None):
    """Every requirement of the project and its extras; for `python_version`, those that apply to it."""
    project = pyproject()["project"]
    requirements = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    found = [Requirement(r) for r in requirements]
    if python_version is None:
        return found
    return [r for r in found if r.marker is None or r.marker.evaluate({"python_version": python_version})]


def bare(requirement: Requirement) -> str:
    """name[extras]==version, without its marker (evaluated for the target version already)."""
    extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
    return f"{requirement.name}{extras}{requirement.specifier}"


def our_sources():
    for folder in SOURCE_DIRS:
        yield from sorted((ROOT / folder).rglob("*.py"))


def test_the_supported_range_is_3_11_to_3_13_and_includes_this_interpreter():
    supported = SpecifierSet(pyproject()["project"]["requires-python"])
    assert [v for v in ("3.10", *SUPPORTED, "3.14") if f"{v}.0" in supported] == list(SUPPORTED)
    assert f"{sys.version_info.major}.{sys.version_info.minor}.0" in supported
    assert "3.11 to 3.13" in (ROOT / "README.md").read_text()


def test_every_dependency_is_pinned_to_one_version():
    loose = [str(r) for r in pins() if len(r.specifier) != 1 or next(iter(r.specifier)).operator != "=="]
    assert loose == []


def test_our_code_imports_no_module_removed_in_3_12_or_3_13():
    found = []
    for path in our_sources():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            found += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in REMOVED_MODULES]
    assert found == []


def test_our_code_uses_no_name_removed_in_3_12_or_3_13():
    this_file = Path(__file__).resolve()
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in our_sources()
        if path != this_file
        for match in REMOVED_NAMES.finditer(path.read_text())
    ]
    assert found == []


@pytest.mark.parametrize("version", ["3.12", "3.13"])
def test_our_code_compiles_under_python_3_12_and_3_13_where_installed(version, tmp_path):
    interpreter = shutil.which(f"python{version}")
    if interpreter is None:
        pytest.skip(f"no python{version} on PATH (the wheel and removed-name checks above still apply)")
    sources = [str(path) for path in our_sources()]
    env = {**os.environ, **pyenv_selection(version)}
    code = "import py_compile, sys\nfor path in sys.argv[2:]: py_compile.compile(path, sys.argv[1], doraise=True)"
    proc = subprocess.run(
        [interpreter, "-W", "error::SyntaxWarning", "-c", code, str(tmp_path / "x.pyc"), *sources],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    if "is not installed" in proc.stderr or "command not found" in proc.stderr:
        pytest.skip(f"python{version} is a shim without an interpreter: {proc.stderr.strip()[:200]}")
    assert proc.returncode == 0, proc.stderr[-2000:]


def pyenv_selection(version: str) -> dict:
    """PYENV_VERSION naming an installed `version`.x, so that pyenv's python3.x shim finds it."""
    if shutil.which("pyenv") is None:
        return {}
    installed = subprocess.run(["pyenv", "versions", "--bare"], capture_output=True, text=True).stdout.split()
    matching = [name for name in installed if name.startswith(f"{version}.")]
    return {"PYENV_VERSION": matching[-1]} if matching else {}


def pypi_reachable() -> bool:
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
        return True
    except OSError:
        return False


# Every manylinux tag a current x86-64 Linux accepts (pip takes the --platform list literally).
PLATFORMS = [
    arg
    for tag in ["manylinux2014_x86_64", *(f"manylinux_2_{minor}_x86_64" for minor in range(17, 35))]
    for arg in ("--platform", tag)
]


def wheels_for(version: str, tmp_path: Path) -> dict:
    """What pip would install from PyPI, wheels only, for CPython `version` on x86-64 Linux: {name: url}.

    --isolated leaves out this machine's pip configuration (local wheel folders and caps), so PyPI
    answers as it would for a newcomer; --dry-run reads metadata without installing."""
    report = tmp_path / f"report-{version}.json"
    command = [
        sys.executable,
        "-m",
        "pip",
        "--isolated",
        "install",
        "--dry-run",
        "--quiet",
        "--ignore-installed",
        "--no-deps",
        "--only-binary=:all:",
        "--python-version",
        version,
        "--implementation",
        "cp",
        *PLATFORMS,
        "--target",
        str(tmp_path / version),
        "--report",
        str(report),
        *map(bare, pins(version)),
    ]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"Python {version}: {proc.stderr.strip()[-2000:]}"
    return {
        item["metadata"]["name"].lower(): item["download_info"]["url"]
        for item in json.loads(report.read_text())["install"]
    }


@pytest.mark.slow
@pytest.mark.skipif(not pypi_reachable(), reason="PyPI (pypi.org:443) is not reachable from this machine")
def test_every_pin_has_a_wheel_for_python_3_12_and_3_13(tmp_path):
    with ThreadPoolExecutor(2) as pool:
        versions = ("3.12", "3.13")
        found = dict(zip(versions, pool.map(lambda v: wheels_for(v, tmp_path), versions), strict=True))
    for version, wheels in found.items():
        names = {r.name.lower().replace("_", "-") for r in pins(version)}
        assert {name.replace("_", "-") for name in wheels} == names, version
        assert all(url.endswith(".whl") for url in wheels.values()), version
    tag = {"3.12": "cp312", "3.13": "cp313"}
    assert all(f"-{tag[v]}-" in found[v]["torch"] for v in found)

"""ml/ is a pure library: importing all of it pulls in no Django, Celery or Channels."""

import subprocess
import sys
from pathlib import Path

ML = Path(__file__).resolve().parents[2] / "ml"


def test_no_ml_module_imports_django_celery_or_channels():
    modules = sorted(f"ml.{p.stem}" for p in ML.glob("*.py") if p.stem != "__main__")
    code = (
        f"import sys\nfor m in {modules!r}: __import__(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'celery', 'channels', 'daphne'))\n"
        "print(','.join(bad))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ML.parent, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", f"ml pulled in: {proc.stdout.strip()}"
    assert len(modules) >= 10


def test_no_ml_source_mentions_an_import_of_them():
    for source in ML.glob("*.py"):
        for line in source.read_text().splitlines():
            words = line.strip().split()
            if words[:1] in (["import"], ["from"]) and len(words) > 1:
                assert words[1].split(".")[0] not in ("django", "celery", "channels"), f"{source.name}: {line}"

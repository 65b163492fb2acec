"""docker-compose.yml, read as compose would (no Docker engine runs on our machines): the services,
their healthchecks, the GPU reservation and volumes, and every variable it reads is documented."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")  # ${NAME...}; $${NAME} is the container's own
DEFAULTS = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)\}")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def strings(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)
    elif isinstance(node, str):
        yield node


def environment(service):
    env = service.get("environment", {})
    return env if isinstance(env, dict) else dict(item.split("=", 1) for item in env)


def by_default(value):
    """`value` as compose reads it with none of its variables set: each ${NAME:-default} is its default."""
    return DEFAULTS.sub(lambda match: match.group(1), value)


def mounts(service):
    return {volume.split(":")[1]: volume.split(":")[0] for volume in service.get("volumes", [])}


def test_it_runs_postgres_16_on_a_named_volume_with_a_healthcheck(compose, services):
    postgres = services["postgres"]

    assert by_default(postgres["image"]) == "postgres:16"
    assert mounts(postgres)["/var/lib/postgresql/data"] in compose["volumes"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_it_runs_redis_7_with_a_healthcheck(services):
    redis = services["redis"]

    assert by_default(redis["image"]) == "redis:7"
    assert "ping" in redis["healthcheck"]["test"]


def test_the_web_server_migrates_starts_the_first_model_and_is_healthy_only_when_healthz_says_so(services):
    web = services["web"]

    assert re.search(
        r"manage\.py migrate .*&& python manage\.py start_first_model && exec python -m webapp.web_server",
        " ".join(web["command"]),
    )
    assert environment(web)["TOXILAB_STARTER"] == "${TOXILAB_STARTER:-1}"
    assert environment(web)["TOXILAB_STARTER_PRESET"] == "${TOXILAB_STARTER_PRESET:-full-data}"
    # daphne's --proxy-headers believes the leftmost X-Forwarded-For address, which clients write
    assert "--proxy-headers" not in " ".join(web["command"])
    assert environment(web)["TOXILAB_PROXY_HOPS"] == "${TOXILAB_PROXY_HOPS:-0}"
    assert "http://localhost:8000/healthz" in " ".join(web["healthcheck"]["test"])
    assert {"postgres", "redis"} <= set(web["depends_on"])
    assert all(web["depends_on"][name]["condition"] == "service_healthy" for name in ("postgres", "redis"))
    assert environment(web)["REDIS_URL"] == "redis://redis:6379/0"
    assert "@postgres:5432/" in environment(web)["DATABASE_URL"]


def test_the_worker_consumes_the_training_queue_on_an_nvidia_gpu_with_bert_base_and_an_hf_cache(compose, services):
    worker = services["worker"]
    env = environment(worker)

    command = worker["command"]
    assert command[command.index("-Q") + 1] == env["TOXILAB_TRAINING_QUEUE"] == "training"
    assert command[command.index("--concurrency") + 1] == "1"
    devices = worker["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]
    assert by_default(env["TOXILAB_TEACHER"]) == "bert-base-uncased"
    assert mounts(worker)[env["HF_HOME"]] in compose["volumes"]
    assert worker["build"]["dockerfile"] == "Dockerfile.worker"


def test_web_and_worker_share_one_artifacts_volume_at_the_path_the_database_records(compose, services):
    web, worker = services["web"], services["worker"]
    path = environment(web)["TOXILAB_ARTIFACTS_DIR"]

    assert environment(worker)["TOXILAB_ARTIFACTS_DIR"] == path
    assert mounts(web)[path] == mounts(worker)[path] and mounts(web)[path] in compose["volumes"]


def test_secrets_have_no_value_in_the_file_and_every_variable_is_documented_in_env_example(compose):
    used = {match for text in strings(compose) for match in VARIABLE.findall(text)}
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.MULTILINE))

    assert used and not used - documented, f"undocumented in .env.example: {sorted(used - documented)}"
    for secret in ("SECRET_KEY", "POSTGRES_PASSWORD"):
        assert all(f"${{{secret}:?" in text for text in strings(compose) if f"${{{secret}" in text)


def test_both_images_install_pyprojects_pinned_torch_and_the_worker_its_cuda_build():
    pinned = next(
        d
        for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
        if d.startswith("torch==")
    )
    worker = (ROOT / "Dockerfile.worker").read_text()
    web = (ROOT / "Dockerfile").read_text()

    assert f"ARG TORCH_VERSION={pinned.removeprefix('torch==')}" in worker
    assert "download.pytorch.org/whl/${TORCH_CUDA}" in worker and "ARG TORCH_CUDA=cu" in worker
    assert "download.pytorch.org/whl/cpu" in web
    for dockerfile in (web, worker):
        assert "pip install -r /tmp/requirements.txt" in dockerfile and "['project']['dependencies']" in dockerfile


def test_base_images_are_variables_whose_defaults_are_the_official_images(services):
    """scripts/compose_check.sh builds stand-ins where no registry answers; everyone else gets these."""
    for name in ("web", "worker"):
        assert by_default(services[name]["build"]["args"]["PYTHON_IMAGE"]) == "python:3.11-slim-bookworm"
    assert by_default(services["worker"]["build"]["args"]["TORCH_CUDA"]) == "cu130"
    for dockerfile in ("Dockerfile", "Dockerfile.worker"):
        text = (ROOT / dockerfile).read_text()
        assert "ARG PYTHON_IMAGE=python:3.11-slim-bookworm\nFROM ${PYTHON_IMAGE}\n" in text
        # the builder's own package sources reach pip as build secrets, never a file of the image
        assert "--mount=type=secret,id=pip.conf,target=/etc/pip.conf" in text

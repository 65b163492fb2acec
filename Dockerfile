# ToxiLab web image: the ASGI server (daphne) on CPU. It serves the checker (CPU inference),
# the dashboard and the API; training runs in the worker image (Dockerfile.worker).
#   docker build -t toxilab-web .
# Base image and torch's package index are build arguments (defaults: the official image and PyTorch's
# CPU index), so a machine without registry access builds on stand-ins: scripts/compose_check.sh.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
FROM ${PYTHON_IMAGE}
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HOME=/srv/toxilab/hf-cache TOXILAB_ARTIFACTS_DIR=/srv/toxilab/artifacts

WORKDIR /app
# The pinned dependencies first (a layer that code changes do not rebuild). torch is the same
# pinned version as pyproject's, in its CPU build: PyPI's Linux wheel would pull ~3 GB of CUDA.
# A builder that must reach the packages through its own sources or certificate passes them as
# build secrets (pip.conf, host-ca.crt), mounted for this step only and never kept in the image.
COPY pyproject.toml ./
RUN --mount=type=secret,id=pip.conf,target=/etc/pip.conf --mount=type=secret,id=host-ca.crt \
    TORCH=$(python -c "import tomllib; print(next(d for d in tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'] if d.startswith('torch==')))") \
 && pip install --index-url "$TORCH_INDEX" "$TORCH" \
 && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt

COPY manage.py ./
COPY ml ml
COPY webapp webapp
COPY worker worker
COPY templates templates
COPY static static

RUN useradd --create-home --uid 1000 toxilab \
 && mkdir -p /srv/toxilab/artifacts /srv/toxilab/hf-cache \
 && chown -R toxilab:toxilab /srv/toxilab
USER toxilab

EXPOSE 8000
# Migrations run in docker-compose.yml's command, once the database is healthy.
CMD ["python", "-m", "webapp.web_server", "-b", "0.0.0.0", "-p", "8000", "webapp.asgi:application"]

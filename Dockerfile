# ToxiLab web image: the ASGI server (daphne) on CPU. It serves the checker (CPU inference),
# the dashboard and the API; training runs in the worker image (Dockerfile.worker).
#   docker build -t toxilab-web .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HOME=/srv/toxilab/hf-cache TOXILAB_ARTIFACTS_DIR=/srv/toxilab/artifacts

WORKDIR /app
# The pinned dependencies first (a layer that code changes do not rebuild). torch is the same
# pinned version as pyproject's, in its CPU build: PyPI's Linux wheel would pull ~3 GB of CUDA.
COPY pyproject.toml ./
RUN TORCH=$(python -c "import tomllib; print(next(d for d in tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'] if d.startswith('torch==')))") \
 && pip install --index-url https://download.pytorch.org/whl/cpu "$TORCH" \
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

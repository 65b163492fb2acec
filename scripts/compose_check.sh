#!/usr/bin/env bash
# `make compose-check`: docker-compose.yml run for real on this machine, as an operator would, and
# checked through its published port. Where the public registry cannot be reached, the base images are
# local stand-ins built from Debian's own packages (debootstrap, then python3.11, postgresql and
# redis-server: scripts/compose_check/*.Dockerfile); the worker image gets torch's CPU build; the data
# is ../shared/data, mounted read-only (scripts/compose_check/compose.check.yml).
#
# Steps, one line each with its time: the Docker engine (dockerd started if none runs, as root), compose
# v2 and buildx (Debian's packages, unpacked here, where the docker client lacks them), the stand-ins,
# the web and worker images (cold, then the web image again from cache), `up` and every healthcheck,
# the first model's verdict, a staff token, a small job whose loss reaches a WebSocket client, `docker
# compose restart worker` mid-job and the job's recovery, then `down` and `up` keeping the model and
# the jobs (volumes). It stops at the first failure (exit 1; 2: a tool is missing) and removes all it
# created: containers, volumes, images, its temporary folder, and dockerd with its build cache if it
# started it (an engine that already ran keeps its build cache: `docker builder prune` removes it).
#
# The host's pip settings reach the image builds as build secrets, never in an image: its index, its
# local wheel folders (served on 127.0.0.1 for the build's duration) and its certificate bundle.
# Not part of `make test`: it takes about 17 minutes on 2 cores (docs/DEPLOYMENT.md has the figures).
set -Eeuo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
HERE=scripts/compose_check
DATA=${TOXILAB_CHECK_DATA:-$(cd .. && pwd)/shared/data}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PROJECT=toxilab-check
STANDIN=toxilab-check
WORK=$(mktemp -d "${TMPDIR:-/tmp}/toxilab-compose-check.XXXXXX")
DOCKERD_PID="" WHEELS_PID="" COMPOSE_UP=""
CHECK_USER=compose-check
CHECK_PASSWORD=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')

export COMPOSE_PROJECT_NAME=$PROJECT TOXILAB_IMAGE_TAG=compose-check TOXILAB_CHECK_DATA=$DATA
export SECRET_KEY=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
export POSTGRES_PASSWORD=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
export POSTGRES_IMAGE=$STANDIN/postgres:15 REDIS_IMAGE=$STANDIN/redis:7.0 PYTHON_IMAGE=$STANDIN/python:3.11
export TOXILAB_HTTPS=0 TOXILAB_BEHIND_PROXY=0 ALLOWED_HOSTS=127.0.0.1 TOXILAB_RATE_LIMIT=off
export TOXILAB_TEACHER=bundled-minilm TOXILAB_DATASET=/shared/data/wiki_toxic TOXILAB_STARTER_PRESET=none
export TORCH_CUDA=cpu DOCKER_BUILDKIT=1

exec 3>&1 4>&2  # the terminal, for what a step says while its own output goes to files
die() { echo "compose-check: $1" >&4; exit "${2:-1}"; }
now() { date +%s%N; }
since() { local ms=$((($(now) - $1) / 1000000)); printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)); }  # seconds since now() gave $1
compose() { docker compose -f docker-compose.yml -f "$HERE/compose.check.yml" "$@"; }

# step NAME COMMAND...: runs it in this shell (what it sets stays set), then prints the step, its
# seconds and the last line it printed; the first command that fails prints FAILED with the last lines
# of its output and ends the check (set -e, the ERR trap).
STEP="" STARTED=""
failed() {
  printf '%-26s %7s s  FAILED\n' "$STEP" "$(since "$STARTED")" >&3
  { tail -n 30 "$WORK/step.out"; tail -n 30 "$WORK/step.log"; } >&4 2>/dev/null
}
step() {
  STEP=$1 STARTED=$(now)
  shift
  trap failed ERR
  "$@" >"$WORK/step.out" 2>"$WORK/step.log"
  trap - ERR
  printf '%-26s %7s s  %s\n' "$STEP" "$(since "$STARTED")" "$(tail -n1 "$WORK/step.out")"
}

cleanup() {
  set +e
  if [[ -n $COMPOSE_UP ]]; then
    compose logs --no-color >"$WORK/compose.log" 2>&1 && [[ ${KEEP_LOGS:-} ]] && cp "$WORK/compose.log" "$KEEP_LOGS"
    compose down --volumes --remove-orphans >/dev/null 2>&1
  fi
  if docker info >/dev/null 2>&1; then
    docker image rm -f "toxilab-web:$TOXILAB_IMAGE_TAG" "toxilab-worker:$TOXILAB_IMAGE_TAG" \
      "$POSTGRES_IMAGE" "$REDIS_IMAGE" "$PYTHON_IMAGE" "$STANDIN/debian:bookworm" >/dev/null 2>&1
    # the build cache is the engine's, not the images': pruned only on an engine this check started
    [[ -n $DOCKERD_PID ]] && docker builder prune -af >/dev/null 2>&1
  fi
  [[ -n $WHEELS_PID ]] && kill "$WHEELS_PID" 2>/dev/null
  [[ -n $DOCKERD_PID ]] && kill "$DOCKERD_PID" 2>/dev/null && wait "$DOCKERD_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

engine() {
  if ! docker info >/dev/null 2>&1; then
    command -v dockerd >/dev/null && [[ $(id -u) = 0 ]] || die "no Docker engine runs and none can be started here: apt-get install docker.io, then start dockerd" 2
    dockerd >"$WORK/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || { tail -n 5 "$WORK/dockerd.log"; return 1; }
  fi
  docker info --format 'engine {{.ServerVersion}}'
}

# compose v2 and buildx from Debian's trixie packages (static binaries), where the client has neither.
plugins() {
  local missing=()
  docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
  docker buildx version >/dev/null 2>&1 || missing+=(docker-buildx)
  if ((${#missing[@]})); then
    curl -fsS "$MIRROR/dists/trixie/main/binary-amd64/Packages.xz" | xz -d >"$WORK/Packages"
    mkdir -p "$WORK/docker-config/cli-plugins" "$WORK/debs"
    for package in "${missing[@]}"; do
      file=$(awk -v p="$package" '$1 == "Package:" {hit = ($2 == p)} hit && $1 == "Filename:" {print $2; exit}' "$WORK/Packages")
      curl -fsS -o "$WORK/debs/$package.deb" "$MIRROR/$file"
      dpkg-deb -x "$WORK/debs/$package.deb" "$WORK/debs/$package"
      find "$WORK/debs/$package" -path '*cli-plugins/*' -type f -exec cp {} "$WORK/docker-config/cli-plugins/" \;
    done
    export DOCKER_CONFIG=$WORK/docker-config
  fi
  echo "$(docker compose version --short 2>&1), buildx $(docker buildx version | awk '{print $2}')"
}

base() {
  command -v debootstrap >/dev/null || die "debootstrap is needed for the stand-in base image: apt-get install debootstrap" 2
  debootstrap --variant=minbase bookworm "$WORK/rootfs" "$MIRROR" >"$WORK/debootstrap.log"
  tar -C "$WORK/rootfs" -c . | docker import - "$STANDIN/debian:bookworm" >/dev/null
  rm -rf "$WORK/rootfs"
  echo "$STANDIN/debian:bookworm from $MIRROR"
}

standins() {
  local name
  for name in python postgres redis; do
    image=${name^^}_IMAGE
    docker buildx build -q --network host --build-arg BASE="$STANDIN/debian:bookworm" \
      -f "$HERE/$name.Dockerfile" -t "${!image}" "$HERE" >/dev/null
  done
  echo "$PYTHON_IMAGE, $POSTGRES_IMAGE, $REDIS_IMAGE"
}

# The host's pip index, local wheel folders (served over HTTP on 127.0.0.1 for the builds, which use
# the host's network) and certificate bundle, as build secrets.
pip_sources() {
  local index links cert served=()
  index=$($PY -m pip config get global.index-url 2>/dev/null || echo "https://pypi.org/simple")
  links=${PIP_FIND_LINKS:-$($PY -m pip config get global.find-links 2>/dev/null || true)}
  cert=${PIP_CERT:-$($PY -m pip config get global.cert 2>/dev/null || echo /etc/ssl/certs/ca-certificates.crt)}
  mkdir -p "$WORK/wheels" "$WORK/secrets"
  for folder in $links; do
    [[ -d $folder ]] && ln -sf "$folder"/*.whl "$WORK/wheels/" 2>/dev/null && served+=("$folder")
  done
  port=$($PY -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
  $PY -m http.server "$port" --bind 127.0.0.1 --directory "$WORK/wheels" >/dev/null 2>&1 &
  WHEELS_PID=$!
  printf '[global]\nindex-url = %s\nfind-links = http://127.0.0.1:%s/\ncert = /run/secrets/host-ca.crt\n' \
    "$index" "$port" >"$WORK/secrets/pip.conf"
  cp "$cert" "$WORK/secrets/host-ca.crt"
  TORCH_INDEX=$index
  echo "index $index, wheels of ${served[*]:-no folder}, certificates of $cert"
}

build() {  # build IMAGE DOCKERFILE [ARGS...]
  local image=$1 dockerfile=$2
  shift 2
  docker buildx build -q --network host -f "$dockerfile" -t "$image:$TOXILAB_IMAGE_TAG" \
    --build-arg PYTHON_IMAGE="$PYTHON_IMAGE" --build-arg TORCH_INDEX="$TORCH_INDEX" "$@" \
    --secret id=pip.conf,src="$WORK/secrets/pip.conf" --secret id=host-ca.crt,src="$WORK/secrets/host-ca.crt" . >/dev/null
  docker image inspect "$image:$TOXILAB_IMAGE_TAG" --format "$image {{.Size}} bytes" | awk '{printf "%s %.0f MB\n", $1, $2 / 1e6}'
}

up() {
  COMPOSE_UP=1
  WEB_PORT=$($PY -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
  export WEB_PORT
  BASE_URL=http://127.0.0.1:$WEB_PORT
  compose up -d --no-build --quiet-pull 2>&1 | tail -n 3
  echo "web on $BASE_URL"
}

healthy() {
  local deadline=$((SECONDS + 300)) states
  while ((SECONDS < deadline)); do
    states=$(compose ps -a --format '{{.Service}}={{.State}}/{{.Health}}' | sort | tr '\n' ' ')
    if [[ $states != *starting* && $states != *unhealthy* && $states != *exited* && $states != *restarting* ]] &&
      [[ $(wc -w <<<"$states") -eq 5 ]]; then
      echo "$states"
      return 0
    fi
    sleep 2
  done
  echo "$states"
  return 1
}

staff_token() {
  compose exec -T -e DJANGO_SUPERUSER_PASSWORD="$CHECK_PASSWORD" web \
    python manage.py createsuperuser --noinput --username "$CHECK_USER" --email "" >/dev/null
  TOKEN=$(compose exec -T web python manage.py create_api_token "$CHECK_USER" --name compose-check 2>/dev/null | tail -n1 | tr -d '\r')
  [[ -n $TOKEN ]] && echo "a token for staff user $CHECK_USER"
}

memory() {  # the containers' memory now, as `docker stats` reads it
  docker stats --no-stream --format '{{.Name}}={{.MemUsage}}' | sed "s/^$PROJECT-//; s/ \/ .*//" | sort | tr '\n' ' '
  echo
}

probe() { $PY "$HERE/probe.py" "$@"; }

launch() {
  JOB=$(probe launch "$BASE_URL" "$TOKEN")
  echo "job $JOB: a teacher on 1,500 comments, 1 epoch"
}

restart_worker() {
  compose restart worker 2>&1 | tail -n 1
  echo "worker restarted"
}

down_up() {
  BEFORE=$(probe state "$BASE_URL" "$TOKEN")
  compose down 2>&1 | tail -n 1
  compose up -d --no-build 2>&1 | tail -n 1
  healthy >/dev/null
  probe verdict "$BASE_URL" --timeout 120 >/dev/null
  AFTER=$(probe state "$BASE_URL" "$TOKEN")
  [[ $BEFORE == "$AFTER" ]] || { echo "before down: $BEFORE, after up: $AFTER" >&2; return 1; }
  echo "kept: $AFTER"
}

[[ -x $PY ]] || die "run make install first ($PY is missing)" 2
[[ -f $DATA/wiki_toxic/train.csv ]] || die "no sample data at $DATA/wiki_toxic (set TOXILAB_CHECK_DATA)" 2

step "docker engine" engine
step "compose and buildx" plugins
step "base image (debootstrap)" base
step "stand-in images" standins
step "package sources" pip_sources
step "web image, cold" build toxilab-web Dockerfile
step "worker image, cold" build toxilab-worker Dockerfile.worker --build-arg TORCH_CUDA=cpu
step "web image, cached" build toxilab-web Dockerfile
UP_START=$(now)
step "compose up" up
step "healthchecks" healthy
step "first verdict" probe verdict "$BASE_URL" --timeout 900
printf '%-26s %7s s\n' "  (up to first verdict)" "$(since "$UP_START")"
step "memory at rest" memory
step "staff token" staff_token
step "job launched" launch
step "loss over WebSocket" probe loss "$BASE_URL" "$CHECK_USER" "$CHECK_PASSWORD" "$JOB" --timeout 600
step "memory during the job" memory
step "restart worker mid-job" restart_worker
step "job recovered" probe finished "$BASE_URL" "$TOKEN" "$JOB" --timeout 1200
step "down, then up" down_up
echo "compose-check: passed"

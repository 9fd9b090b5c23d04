# syntax=docker/dockerfile:1
# delivery-sync as a container job: one cycle per run (`run --once`), state on the /data volume.
#
# Two stages: the builder turns the source into wheels (ours and every dependency), the runtime
# installs only those wheels, offline, so no compiler, source tree or pip cache ships. The image
# runs as a fixed non-root UID and works with a read-only root filesystem: it writes only to
# /data (the state store) and /tmp (HOME, caches, SQLite's temporary files).

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder
WORKDIR /src
COPY pyproject.toml README.md ./
COPY connectors connectors
COPY mappings mappings
COPY rendering rendering
COPY sandbox sandbox
COPY worker worker
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM ${PYTHON_IMAGE} AS runtime
# A fixed UID/GID, so Kubernetes `runAsUser`/`fsGroup` and volume ownership can name it.
ARG UID=10001
RUN groupadd --system --gid "${UID}" delivery-sync \
    && useradd --system --uid "${UID}" --gid "${UID}" --home-dir /tmp --no-create-home \
       --shell /usr/sbin/nologin delivery-sync \
    && mkdir /data /config \
    && chown "${UID}:${UID}" /data
# The wheels are bind-mounted from the builder, so they never become a layer of this image.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links=/wheels delivery-sync

# HOME and caches on /tmp: with a read-only root filesystem nothing else is writable.
# No .pyc writes into site-packages (read-only, and owned by root anyway).
# /metrics (loop mode with DELIVERY_SYNC_METRICS_PORT set) listens beyond loopback here: a
# scraper reaches the container from outside, and the container's network is the boundary.
ENV DELIVERY_SYNC_CONFIG=/config/delivery-sync.yaml \
    DELIVERY_SYNC_STATE=/data/delivery-sync.db \
    DELIVERY_SYNC_METRICS_ADDRESS=0.0.0.0 \
    HOME=/tmp \
    XDG_CACHE_HOME=/tmp/.cache \
    TMPDIR=/tmp \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

USER ${UID}:${UID}
WORKDIR /data
VOLUME ["/data"]

ENTRYPOINT ["delivery-sync"]
CMD ["run", "--once"]

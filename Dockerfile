# delivery-sync as a scheduled container job: one cycle per run, state on a volume.
FROM python:3.11-slim

WORKDIR /src
COPY pyproject.toml README.md ./
COPY connectors connectors
COPY mappings mappings
COPY worker worker
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 delivery-sync \
    && mkdir /data && chown delivery-sync /data

USER delivery-sync
WORKDIR /data
ENV DELIVERY_SYNC_CONFIG=/config/delivery-sync.yaml \
    DELIVERY_SYNC_STATE=/data/delivery-sync.db \
    DELIVERY_SYNC_LOG_FORMAT=json \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]

ENTRYPOINT ["delivery-sync"]
CMD ["run", "--once"]

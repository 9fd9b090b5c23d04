"""deploy/kubernetes-deployment.yaml works as written: N long-running replicas of
`run --interval` share one PostgreSQL store, the URL and tokens come from Secrets, /metrics is
reachable by a scraper, and the pod passes the restricted Pod Security Standard. The checks every
manifest shares (schemas, no Secret or ConfigMap, restricted PSS, known variables, the image)
are in tests/test_deploy.py. Static checks; no cluster needed."""

from __future__ import annotations

from pathlib import Path

import yaml

from worker.cli import parse_duration
from worker.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "deploy" / "kubernetes-deployment.yaml"


def deployment() -> dict:
    documents = [d for d in yaml.safe_load_all(MANIFEST.read_text(encoding="utf-8")) if d]
    assert [d["kind"] for d in documents] == ["Deployment"]  # no Secret, ConfigMap or volume
    assert documents[0]["apiVersion"] == "apps/v1"
    return documents[0]


def pod() -> dict:
    return deployment()["spec"]["template"]["spec"]


def container() -> dict:
    return next(c for c in pod()["containers"] if c["name"] == "delivery-sync")


def env() -> dict[str, dict]:
    return {e["name"]: e for e in container()["env"]}


def test_n_replicas_loop_with_an_interval_the_cli_accepts_and_no_named_cycle():
    assert deployment()["spec"]["replicas"] > 1
    args = container()["args"]
    assert args[:2] == ["run", "--interval"] and "--once" not in args
    assert parse_duration(args[2]).total_seconds() > 0
    # A named cycle is run once and never again: the loop's replicas must not share one.
    assert "DELIVERY_SYNC_CYCLE" not in env()
    assert "DELIVERY_SYNC_CYCLE" not in MANIFEST.read_text().split("apiVersion", 1)[1]


def test_the_postgres_url_and_tokens_come_from_secrets_never_from_the_manifest():
    sources = container()["envFrom"]
    assert {"secretRef": {"name": "delivery-sync-postgres"}} in sources
    assert {"secretRef": {"name": "delivery-sync"}} in sources
    assert "DELIVERY_SYNC_STATE" not in env()
    assert "postgresql://" not in MANIFEST.read_text().split("apiVersion", 1)[1]


def test_the_mapping_comes_from_the_configmap_on_a_read_only_mount():
    mounts = {m["mountPath"]: m for m in container()["volumeMounts"]}
    volumes = {v["name"]: v for v in pod()["volumes"]}
    config = Path(env()["DELIVERY_SYNC_CONFIG"]["value"])
    mapping = mounts[str(config.parent)]
    assert mapping["readOnly"] is True
    assert volumes[mapping["name"]]["configMap"]["name"] == "delivery-sync-mapping"
    assert "emptyDir" in volumes[mounts["/tmp"]["name"]]
    assert "readOnly" not in mounts["/tmp"]
    # No state volume: the state is in PostgreSQL.
    assert set(mounts) == {str(config.parent), "/tmp"}
    for volume in pod()["volumes"]:
        assert set(volume) - {"name"} <= {"configMap", "emptyDir"}


def test_metrics_are_served_on_the_pod_address_through_a_named_port():
    variables = {name: e["value"] for name, e in env().items() if "value" in e}
    settings = Settings.model_validate(
        {
            "delivery_sync_metrics_port": variables["DELIVERY_SYNC_METRICS_PORT"],
            "delivery_sync_metrics_address": variables["DELIVERY_SYNC_METRICS_ADDRESS"],
        }
    )
    assert settings.delivery_sync_metrics_address == "0.0.0.0"
    ports = {p["name"]: p for p in container()["ports"]}
    assert ports["metrics"]["containerPort"] == settings.delivery_sync_metrics_port
    assert ports["metrics"].get("protocol", "TCP") == "TCP"


def test_the_selector_matches_the_pods_and_every_object_is_labelled():
    spec = deployment()["spec"]
    template = spec["template"]["metadata"]["labels"]
    assert spec["selector"]["matchLabels"].items() <= template.items()
    for labels in (deployment()["metadata"]["labels"], template):
        assert labels["app.kubernetes.io/name"] == "delivery-sync"
        assert labels["app.kubernetes.io/instance"] == "delivery-sync-replicas"


def test_a_rollout_never_runs_more_replicas_than_postgres_is_sized_for():
    strategy = deployment()["spec"]["strategy"]
    assert strategy["type"] == "RollingUpdate"
    assert strategy["rollingUpdate"]["maxSurge"] == 0


def test_each_pod_asks_for_resources_and_is_bounded_in_memory():
    resources = container()["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"])
    assert resources["limits"]["memory"]


def test_the_header_names_the_gap_the_code_keeps_between_cycles():
    # The header explains how N replicas share one cycle per interval; the figures it gives
    # are the ones worker.cli uses (a 0.8-interval gap, 0.9 to 1.1-interval pauses).
    from worker.cli import PAUSE_JITTER, SHARED_GAP

    header = " ".join(MANIFEST.read_text().split("apiVersion", 1)[0].replace("#", " ").split())
    low, high = PAUSE_JITTER
    assert f"{SHARED_GAP} intervals" in header and f"{low} to {high} intervals" in header
    assert "kubectl create secret generic delivery-sync-postgres" in header
    assert "kubectl create configmap delivery-sync-mapping" in header

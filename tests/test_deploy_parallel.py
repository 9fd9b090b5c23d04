"""deploy/kubernetes-parallel.yaml works as written: N pods of one Job share one cycle through
PostgreSQL, the URL comes from a Secret, and the pod passes the restricted Pod Security
Standard like the single-pod CronJob. Static checks; no cluster needed."""

from __future__ import annotations

from pathlib import Path

import yaml

MANIFEST = Path(__file__).resolve().parent.parent / "deploy" / "kubernetes-parallel.yaml"


def cronjob() -> dict:
    documents = [d for d in yaml.safe_load_all(MANIFEST.read_text(encoding="utf-8")) if d]
    assert [d["kind"] for d in documents] == ["CronJob"]  # no Secret, no ConfigMap, no volume
    return documents[0]


def pod() -> dict:
    return cronjob()["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def container() -> dict:
    return next(c for c in pod()["containers"] if c["name"] == "delivery-sync")


def test_n_pods_of_one_job_share_one_named_cycle_one_job_at_a_time():
    job = cronjob()["spec"]["jobTemplate"]["spec"]
    assert job["parallelism"] > 1 and "completions" not in job
    assert cronjob()["spec"]["concurrencyPolicy"] == "Forbid"
    assert container()["args"] == ["run", "--once"]
    env = {e["name"]: e for e in container()["env"]}
    label = env["DELIVERY_SYNC_CYCLE"]["valueFrom"]["fieldRef"]["fieldPath"]
    assert label == "metadata.labels['batch.kubernetes.io/job-name']"
    lost_lease = job["podFailurePolicy"]["rules"][0]
    assert lost_lease["action"] == "Ignore" and lost_lease["onExitCodes"]["values"] == [3]


def test_the_postgres_url_comes_from_a_secret_never_from_the_manifest():
    assert {"secretRef": {"name": "delivery-sync-postgres"}} in container()["envFrom"]
    assert "DELIVERY_SYNC_STATE" not in {e["name"] for e in container()["env"]}
    assert "postgresql://" not in MANIFEST.read_text().split("apiVersion", 1)[1]


def test_the_pod_passes_the_restricted_pod_security_standard_without_a_volume_of_state():
    security = pod()["securityContext"]
    assert security["runAsNonRoot"] is True and security["runAsUser"] != 0
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    own = container()["securityContext"]
    assert own["allowPrivilegeEscalation"] is False
    assert own["readOnlyRootFilesystem"] is True
    assert own["capabilities"] == {"drop": ["ALL"]}
    assert pod()["automountServiceAccountToken"] is False
    for volume in pod()["volumes"]:
        assert set(volume) - {"name"} <= {"configMap", "emptyDir"}

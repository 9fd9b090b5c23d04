"""The deployment recipes work as written: every YAML file in deploy/ and compose.yaml parses and
keeps the invariants a restricted cluster, a re-apply, a failed run and an upgrade depend on,
and the Dockerfile builds a non-root, multi-stage image with its state on /data.

No container runtime or cluster is needed: these are static checks of what the files say."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from sandbox.github.app import TOKEN as SANDBOX_GITHUB_TOKEN
from sandbox.jira.auth import API_TOKEN as SANDBOX_JIRA_API_TOKEN
from sandbox.jira.auth import EMAIL as SANDBOX_JIRA_EMAIL
from sandbox.jira.auth import PAT as SANDBOX_JIRA_PAT
from worker.cli import EXIT_LOCKED
from worker.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
COMPOSE = ROOT / "compose.yaml"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
VERSION = PROJECT["version"]
SECRET_VARIABLES = {"GITHUB_TOKEN", "GITHUB_APP_PRIVATE_KEY", "JIRA_API_TOKEN", "JIRA_PAT"}
SETTINGS = {name.upper() for name in Settings.model_fields}


def recipes() -> list[Path]:
    return [*sorted(p for p in DEPLOY.iterdir() if p.suffix in (".yaml", ".yml")), COMPOSE]


def documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]


# Every Kubernetes manifest keeps the invariants; the single-pod one also keeps its state. The
# CronJobs also keep their schedule and exit-3 policy; a Deployment has neither.
SINGLE = DEPLOY / "kubernetes-cronjob.yaml"
MANIFESTS = sorted(DEPLOY.glob("kubernetes-*.yaml"))
WORKLOADS = ("CronJob", "Deployment")
each_manifest = pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda p: p.name)


def kubernetes(manifest: Path = SINGLE) -> list[dict]:
    return documents(manifest)


def workload(manifest: Path = SINGLE) -> dict:
    """The manifest's one object that runs delivery-sync."""
    (found,) = [d for d in kubernetes(manifest) if d["kind"] in WORKLOADS]
    return found


CRONJOBS = [m for m in MANIFESTS if workload(m)["kind"] == "CronJob"]
each_cronjob = pytest.mark.parametrize("manifest", CRONJOBS, ids=lambda p: p.name)


def cronjob(manifest: Path = SINGLE) -> dict:
    return next(d for d in kubernetes(manifest) if d["kind"] == "CronJob")


def pod_template(manifest: Path = SINGLE) -> dict:
    found = workload(manifest)
    if found["kind"] == "CronJob":
        return found["spec"]["jobTemplate"]["spec"]["template"]
    return found["spec"]["template"]


def pod_spec(manifest: Path = SINGLE) -> dict:
    return pod_template(manifest)["spec"]


def container(manifest: Path = SINGLE) -> dict:
    return next(c for c in pod_spec(manifest)["containers"] if c["name"] == "delivery-sync")


def workflow() -> dict:
    return documents(DEPLOY / "github-actions.yml")[0]


def workflow_steps() -> list[dict]:
    return workflow()["jobs"]["sync"]["steps"]


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


def dockerfile_uid() -> int:
    return int(re.search(r"^ARG UID=(\d+)$", dockerfile(), re.M).group(1))


# ---- every recipe ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", recipes(), ids=lambda p: p.name)
def test_every_recipe_parses_as_yaml(path):
    assert documents(path), path


@pytest.mark.parametrize("path", recipes(), ids=lambda p: p.name)
def test_every_variable_a_recipe_sets_is_one_delivery_sync_reads(path):
    # Commented-out lines count too: they are the optional variables a reader un-comments.
    # Names after `secrets.` / `vars.` are the CI's own names for them, not ours.
    text = re.sub(r"\b(?:secrets|vars)\.[A-Z0-9_]+", "", path.read_text(encoding="utf-8"))
    named = set(re.findall(r"\b(?:GITHUB|JIRA|DELIVERY_SYNC)_[A-Z0-9_]*[A-Z0-9]\b", text))
    assert named, path
    assert named <= SETTINGS, sorted(named - SETTINGS)


def test_no_recipe_holds_a_secret_value():
    # A secret variable set in a recipe, commented out or not, as a YAML key or a Kubernetes
    # `{name: X, value: Y}`, may only name the CI's secret store, never hold a value.
    setting = re.compile(
        r"^\s*(?:#\s*)?(?:-\s*)?(?:\{\s*name:\s*)?([A-Z_]+)(?::|,\s*value:)\s*(.+)$"
    )
    for path in recipes()[:-1]:  # compose.yaml: the sandbox's public tokens, checked below
        text = path.read_text(encoding="utf-8")
        found = [m.groups() for m in map(setting.match, text.splitlines()) if m]
        for name, value in found:
            if name in SECRET_VARIABLES:
                assert value.startswith("${{ secrets."), (path.name, name)
        assert "replace-me" not in text
        assert "stringData" not in text


# ---- the published schemas ------------------------------------------------------------------

# The oldest Kubernetes the README promises (1.28's schema still required `onPodConditions` in
# every podFailurePolicy rule), and the newest whose schema is bundled.
KUBERNETES_VERSIONS = ("1.29", kubernetes_validate.latest_version())


@each_manifest
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_the_manifests_validate_strictly_against_the_kubernetes_api(manifest, version):
    for document in kubernetes(manifest):
        kubernetes_validate.validate(document, version, strict=True)


def vendored_schema(name: str) -> dict:
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads((vendor / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("path", "schema"),
    [(DEPLOY / "github-actions.yml", "github-workflows.json"), (COMPOSE, "compose-spec.json")],
    ids=["github-actions", "compose"],
)
def test_the_workflow_and_compose_file_validate_against_their_published_schemas(path, schema):
    data = documents(path)[0]
    if True in data:  # YAML 1.1 reads the workflow's `on:` key as a boolean
        data["on"] = data.pop(True)
    schema_data = vendored_schema(schema)
    validator = jsonschema.validators.validator_for(schema_data)(schema_data)
    assert [e.message for e in validator.iter_errors(data)] == []


# ---- Kubernetes -----------------------------------------------------------------------------


@each_manifest
def test_a_manifest_holds_no_secret_and_no_mapping_so_re_applying_it_resets_neither(manifest):
    kinds = [d["kind"] for d in kubernetes(manifest)]
    assert "Secret" not in kinds
    assert "ConfigMap" not in kinds
    sources = container(manifest)["envFrom"]
    assert {"secretRef": {"name": "delivery-sync"}} in sources
    assert all(set(source) == {"secretRef"} for source in sources)
    names = {e["name"] for e in container(manifest)["env"]}
    assert not names & SECRET_VARIABLES
    for variable in container(manifest)["env"]:
        assert set(variable.get("valueFrom", {})) <= {"fieldRef", "secretKeyRef"}


@each_manifest
def test_the_pod_passes_the_restricted_pod_security_standard(manifest):
    pod = pod_spec(manifest)["securityContext"]
    assert pod["runAsNonRoot"] is True
    assert pod["runAsUser"] == dockerfile_uid() != 0
    assert pod["fsGroup"] == dockerfile_uid()
    assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
    own = container(manifest)["securityContext"]
    assert own["allowPrivilegeEscalation"] is False
    assert own["readOnlyRootFilesystem"] is True
    assert own["runAsNonRoot"] is True
    assert own["capabilities"] == {"drop": ["ALL"]}
    assert own["seccompProfile"] == {"type": "RuntimeDefault"}
    assert "privileged" not in own and "add" not in own["capabilities"]
    assert pod_spec(manifest)["automountServiceAccountToken"] is False
    # Restricted allows only these volume types (no hostPath).
    for volume in pod_spec(manifest)["volumes"]:
        assert set(volume) - {"name"} <= {"configMap", "persistentVolumeClaim", "emptyDir"}


def test_with_a_read_only_root_the_pod_can_write_its_state_and_temporary_files():
    mounts = {m["mountPath"]: m for m in container()["volumeMounts"]}
    env = {e["name"]: e["value"] for e in container()["env"]}
    assert env["DELIVERY_SYNC_STATE"].startswith("/data/")
    assert "readOnly" not in mounts["/data"] and "readOnly" not in mounts["/tmp"]
    assert mounts["/config"]["readOnly"] is True
    assert env["DELIVERY_SYNC_CONFIG"].startswith("/config/")
    volumes = {v["name"]: v for v in pod_spec()["volumes"]}
    assert "persistentVolumeClaim" in volumes[mounts["/data"]["name"]]
    assert "emptyDir" in volumes[mounts["/tmp"]["name"]]


def test_the_manifests_are_the_cronjobs_and_the_deployment_the_readme_names():
    # A manifest that is neither would pass the CronJob checks by being left out of them.
    kinds = {m.name: workload(m)["kind"] for m in MANIFESTS}
    assert kinds == {
        "kubernetes-cronjob.yaml": "CronJob",
        "kubernetes-deployment.yaml": "Deployment",
        "kubernetes-parallel.yaml": "CronJob",
    }


@each_cronjob
def test_the_cronjob_names_its_clock_deadline_overlap_and_labels(manifest):
    spec = cronjob(manifest)["spec"]
    assert spec["timeZone"]
    assert 0 < spec["startingDeadlineSeconds"] < 15 * 60
    assert spec["concurrencyPolicy"] == "Forbid"
    # Each run ends before the next slot of the */15 schedule.
    assert spec["schedule"] == "*/15 * * * *"
    assert spec["jobTemplate"]["spec"]["activeDeadlineSeconds"] < 15 * 60
    for labelled in (
        *kubernetes(manifest),
        spec["jobTemplate"],
        spec["jobTemplate"]["spec"]["template"],
    ):
        labels = labelled["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == "delivery-sync"
        assert labels["app.kubernetes.io/instance"]


@each_cronjob
def test_exit_3_lock_held_is_ignored_not_counted_as_a_failed_job(manifest):
    job = cronjob(manifest)["spec"]["jobTemplate"]["spec"]
    assert job["template"]["spec"]["restartPolicy"] == "Never"  # podFailurePolicy needs it
    rules = job["podFailurePolicy"]["rules"]
    on_exit = [r for r in rules if "onExitCodes" in r]
    assert on_exit == [
        {
            "action": "Ignore",
            "onExitCodes": {"containerName": "delivery-sync", "operator": "In", "values": [3]},
        }
    ]
    assert on_exit[0]["onExitCodes"]["values"] == [EXIT_LOCKED]


@each_manifest
def test_the_image_is_a_pinned_placeholder_the_readme_says_to_replace(manifest):
    image = container(manifest)["image"]
    assert image == f"REGISTRY/delivery-sync:{VERSION}"
    assert not image.endswith(":latest")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    deployment = readme.split("## Deployment", 1)[1].split("\n## ", 1)[0]
    assert f"REGISTRY/delivery-sync:{VERSION}" in deployment
    assert "docker push" in deployment
    assert "kubectl create secret generic delivery-sync" in deployment
    assert workload(manifest)["metadata"]["labels"]["app.kubernetes.io/version"] == VERSION


# ---- GitHub Actions -------------------------------------------------------------------------


def test_the_workflow_installs_a_pinned_release():
    installs = [s["run"] for s in workflow_steps() if "pip install" in s.get("run", "")]
    assert len(installs) == 1
    assert re.fullmatch(
        rf'pip install "delivery-sync @ git\+https://github\.com/[A-Za-z0-9-]+/delivery-sync@v{re.escape(VERSION)}"',
        installs[0],
    ), installs[0]
    for step in workflow_steps():
        if "uses" in step:
            assert re.search(r"@v\d+$", step["uses"]), step["uses"]


def test_the_state_is_restored_before_and_saved_after_the_run_even_when_it_failed():
    steps = workflow_steps()
    uses = [s.get("uses", "").split("@")[0] for s in steps]
    assert "actions/cache" not in uses  # saves only on success
    restore = steps[uses.index("actions/cache/restore")]
    save = steps[uses.index("actions/cache/save")]
    run = next(i for i, s in enumerate(steps) if s.get("run", "").startswith("delivery-sync run"))
    assert uses.index("actions/cache/restore") < run < uses.index("actions/cache/save")
    assert "always()" in save["if"]
    assert save["with"]["path"] == restore["with"]["path"]
    assert save["with"]["key"] == restore["with"]["key"]
    assert save["with"]["key"].startswith(restore["with"]["restore-keys"])
    assert "github.run_id" in save["with"]["key"]  # cache entries are immutable
    state = steps[run]["env"]["DELIVERY_SYNC_STATE"]
    assert state.startswith(save["with"]["path"].rstrip("/") + "/")


def test_the_workflow_logs_for_people_runs_one_at_a_time_and_names_every_jira_variable():
    sync = next(s for s in workflow_steps() if s.get("run", "").startswith("delivery-sync run"))
    assert sync["env"]["DELIVERY_SYNC_LOG_FORMAT"] == "console"
    assert workflow()["concurrency"]["group"]
    assert workflow()["concurrency"]["cancel-in-progress"] is False
    text = (DEPLOY / "github-actions.yml").read_text(encoding="utf-8")
    for name in ("JIRA_URL", "JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_PAT", "GITHUB_TOKEN"):
        assert re.search(rf"^\s*#? ?{name}: ", text, re.M), name
    for name in SECRET_VARIABLES & set(sync["env"]):
        assert sync["env"][name].startswith("${{ secrets."), name


# ---- compose --------------------------------------------------------------------------------


def test_compose_runs_the_worker_in_loop_mode_against_the_sandbox_only():
    services = documents(COMPOSE)[0]["services"]
    sandbox, worker = services["sandbox"], services["worker"]
    assert sandbox["command"][0] == "sandbox" and "0.0.0.0" in sandbox["command"]
    assert worker["command"][:2] == ["run", "--interval"]
    assert worker["depends_on"]["sandbox"]["condition"] == "service_healthy"
    env = worker["environment"]
    assert env["GITHUB_API_URL"].startswith("http://sandbox:")
    assert env["JIRA_URL"].startswith("http://sandbox:")
    # Only the sandbox's own, public tokens: a trial never holds a real one.
    sandbox_values = {
        SANDBOX_GITHUB_TOKEN,
        SANDBOX_JIRA_API_TOKEN,
        SANDBOX_JIRA_EMAIL,
        SANDBOX_JIRA_PAT,
    }
    for name in SECRET_VARIABLES & set(env):
        assert env[name] in sandbox_values, name
    assert worker["read_only"] is True and "/tmp" in worker["tmpfs"]
    assert any(v.endswith(":/data") for v in worker["volumes"])
    # /metrics of the loop is published on loopback only.
    port = env["DELIVERY_SYNC_METRICS_PORT"]
    assert worker["ports"] == [f"127.0.0.1:{port}:{port}"]
    config = env["DELIVERY_SYNC_CONFIG"]
    mount = next(v for v in worker["volumes"] if v.split(":")[1] == str(Path(config).parent))
    assert (ROOT / mount.split(":")[0] / Path(config).name).is_file()


# ---- Dockerfile -----------------------------------------------------------------------------


def test_the_image_is_built_in_two_stages_and_installs_only_wheels():
    text = dockerfile()
    stages = re.findall(r"^FROM (\S+)(?: AS (\S+))?$", text, re.M)
    assert [name for _, name in stages] == ["builder", "runtime"]
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim$", text, re.M)
    assert ":latest" not in text
    assert "pip wheel" in text
    assert re.search(r"pip install [^\n]*--no-index --find-links=/wheels delivery-sync", text)
    # Every package the wheel ships is copied into the builder.
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    for pattern in packages["packages"]["find"]["include"]:
        package = pattern.rstrip("*")
        assert re.search(rf"^COPY {package} {package}$", text, re.M), package


def test_the_image_runs_as_a_fixed_non_root_user_with_its_state_on_data():
    text = dockerfile()
    runtime = text.split(" AS runtime", 1)[1]
    assert dockerfile_uid() >= 1000
    assert re.search(r"^USER \$\{UID\}:\$\{UID\}$", runtime, re.M)
    assert re.search(r'^VOLUME \["/data"\]$', runtime, re.M)
    assert "DELIVERY_SYNC_STATE=/data/" in runtime
    # A scraper reaches a container from outside: /metrics listens beyond its loopback.
    assert "DELIVERY_SYNC_METRICS_ADDRESS=0.0.0.0" in runtime
    # Nothing but /data and /tmp is written with a read-only root: HOME and caches on /tmp.
    assert "HOME=/tmp" in runtime and "XDG_CACHE_HOME=/tmp/" in runtime
    assert "PYTHONDONTWRITEBYTECODE=1" in runtime
    assert re.search(r'^ENTRYPOINT \["delivery-sync"\]$', runtime, re.M)
    named = set(re.findall(r"\b(?:GITHUB|JIRA|DELIVERY_SYNC)_[A-Z0-9_]*[A-Z0-9]\b", text))
    assert named and named <= SETTINGS, sorted(named - SETTINGS)


def test_the_build_context_leaves_out_state_secrets_and_the_virtualenv():
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for pattern in (".git", ".venv", "*.db", ".env", "tests"):
        assert pattern in ignored, pattern

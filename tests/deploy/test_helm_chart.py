"""The Helm chart and the Containerfile under deploy/k8s, checked offline.

The chart is rendered with Helm's own Go library (PyPI `helm-python-sdk`, which binds
libhelm_c over ctypes: no helm binary, no cluster), for the default values and for
deploy/k8s/values-production.yaml. Every rendered object is validated in strict mode
against the Kubernetes OpenAPI schemas shipped by `kubernetes-validate` for the three newest
Kubernetes minor versions it knows. Custom resources (Strimzi, Prometheus Operator, KEDA)
have no schema there and are skipped by kind, explicitly. Then the promises an operator
relies on are checked on the rendered objects themselves.
"""

from __future__ import annotations

import copy
import ipaddress
import re
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import all_versions, major_minor

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "k8s"
CHART = DEPLOY / "charts" / "kite"
PRODUCTION = DEPLOY / "values-production.yaml"
CONTAINERFILE = DEPLOY / "Containerfile"

RELEASE = "kite"
NAMESPACE = "kite"
SERVICES = ("roster", "casework", "jobs", "notify", "console")
ROLES = ("api", "relay", "consume")

# Custom resources: kubernetes-validate ships only the built-in API schemas.
CRD_KINDS = frozenset({"KafkaTopic", "KafkaUser", "ServiceMonitor", "ScaledObject", "TriggerAuthentication"})
WORKLOAD_KINDS = frozenset({"Deployment", "Job", "Pod"})


def _k8s_versions() -> list[str]:
    """The three newest Kubernetes minor versions kubernetes-validate has schemas for."""
    minors = {major_minor(v) for v in all_versions()}
    return sorted(minors, key=lambda v: tuple(int(p) for p in v.split(".")))[-3:]


K8S_VERSIONS = _k8s_versions()


# ----------------------------------------------------------------------------- rendering


@pytest.fixture(scope="module")
def chart() -> Iterator[helm.Chart]:
    with helm.Chart.load(CHART) as loaded:
        yield loaded


def _render(chart: helm.Chart, values: dict[str, Any] | None = None) -> dict[str, str]:
    return chart.render(values or {}, name=RELEASE, namespace=NAMESPACE, is_install=True)


def _objects(manifests: dict[str, str]) -> list[dict[str, Any]]:
    objects = []
    for path, text in sorted(manifests.items()):
        if not path.endswith((".yaml", ".yml")):
            continue
        for doc in yaml.safe_load_all(text):
            if doc:
                doc.setdefault("metadata", {})
                objects.append(doc)
    return objects


@cache
def _production_values() -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load(PRODUCTION.read_text())
    return values


def _values(name: str) -> dict[str, Any]:
    return {} if name == "default" else copy.deepcopy(_production_values())


@pytest.fixture(scope="module", params=["default", "production"])
def rendered(request: pytest.FixtureRequest, chart: helm.Chart) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    """(name, effective values, rendered objects) for each values file."""
    values = _values(request.param)
    effective = chart.merge_values(values)
    return request.param, effective, _objects(_render(chart, values))


def _kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def _by_name(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in _kind(objects, kind)}


def _pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = obj["spec"] if obj["kind"] == "Pod" else obj["spec"]["template"]["spec"]
    return spec


def _pod_labels(obj: dict[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = (
        obj["metadata"]["labels"] if obj["kind"] == "Pod" else obj["spec"]["template"]["metadata"]["labels"]
    )
    return labels


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Kubernetes LabelSelector semantics (matchLabels and matchExpressions)."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, vals = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in vals:
            return False
        if op == "NotIn" and labels.get(key) in vals:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def _min_replicas(values: dict[str, Any], svc: str, role: str) -> int:
    cfg = values["services"][svc][role]
    if cfg.get("autoscaling", {}).get("enabled"):
        return int(cfg["autoscaling"]["minReplicas"])
    if cfg.get("keda", {}).get("enabled"):
        return int(cfg["keda"]["minReplicaCount"])
    return int(cfg["replicas"])


# ----------------------------------------------------------------------------- the chart itself


def test_chart_metadata(chart: helm.Chart) -> None:
    meta = chart.metadata
    assert meta["apiVersion"] == "v2"
    assert meta["name"] == "kite"
    assert meta["version"] and meta["appVersion"]
    assert chart.schema is not None, "values.schema.json must ship with the chart"
    names = {t["name"] for t in chart.templates}
    assert "templates/NOTES.txt" in names
    assert "templates/_helpers.tpl" in names


@pytest.mark.parametrize("values_name", ["default", "production"])
def test_helm_lint_is_clean(values_name: str) -> None:
    report = helm.lint(CHART, _values(values_name), strict=True, kube_version=f"v{K8S_VERSIONS[0]}.0")
    assert report["errors"] == [], report
    # Severity 2 = warning, 3 = error; an "icon is recommended" info (1) is fine.
    assert [m for m in report["messages"] if m["severity"] >= 2] == [], report


def test_kubernetes_validate_covers_three_versions() -> None:
    assert len(K8S_VERSIONS) == 3
    assert all(re.fullmatch(r"1\.\d+", v) for v in K8S_VERSIONS)


# ----------------------------------------------------------------------------- schema validation


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_every_object_validates_strictly(
    rendered: tuple[str, dict[str, Any], list[dict[str, Any]]], version: str
) -> None:
    name, _, objects = rendered
    skipped, failures = set(), []
    for obj in objects:
        if obj["kind"] in CRD_KINDS:
            skipped.add(obj["kind"])  # no schema in kubernetes-validate: skipped on purpose
            continue
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            failures.append(f"{obj['kind']}/{obj['metadata']['name']}: {path}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            failures.append(f"{obj['kind']}/{obj['metadata']['name']}: {exc.message}")
    assert failures == [], f"{name} values, Kubernetes {version}:\n" + "\n".join(failures)
    validated = [o for o in objects if o["kind"] not in CRD_KINDS]
    assert len(validated) >= 15
    if name == "production":
        assert skipped == {"KafkaTopic", "KafkaUser", "ServiceMonitor"}


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_strict_validation_catches_a_misspelt_field(chart: helm.Chart, version: str) -> None:
    """The validator used above does reject a wrong object (so its silence means something)."""
    deployment = copy.deepcopy(_kind(_objects(_render(chart)), "Deployment")[0])
    kubernetes_validate.validate(deployment, version, strict=True)
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {"httpGet": {"path": "/livez"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, version, strict=True)


# ----------------------------------------------------------------------------- workloads


def test_one_deployment_per_enabled_role(rendered: tuple[str, dict[str, Any], list[dict[str, Any]]]) -> None:
    _, values, objects = rendered
    deployments = _by_name(objects, "Deployment")
    expected = {
        f"{RELEASE}-{svc}-{role}"
        for svc in SERVICES
        for role in ROLES
        if values["services"][svc]["enabled"] and values["services"][svc][role]["enabled"]
    }
    assert set(deployments) == expected
    # roster's consume role runs its import worker and contact check besides its consumer
    assert f"{RELEASE}-roster-consume" in deployments
    assert f"{RELEASE}-casework-consume" in deployments
    for name, dep in deployments.items():
        _, svc, role = name.split("-")
        container = _pod_spec(dep)["containers"][0]
        assert container["args"] == [role, svc]
        assert dep["metadata"]["labels"]["app.kubernetes.io/component"] == role
        assert dep["metadata"]["labels"]["kite.dev/service"] == svc


def test_consume_deployment_only_when_enabled(chart: helm.Chart) -> None:
    off = _by_name(_objects(_render(chart, {"services": {"casework": {"consume": {"enabled": False}}}})), "Deployment")
    assert f"{RELEASE}-casework-consume" not in off
    assert f"{RELEASE}-roster-consume" in off


def test_every_container_is_restricted_and_bounded(
    rendered: tuple[str, dict[str, Any], list[dict[str, Any]]],
) -> None:
    _, values, objects = rendered
    image = f"{values['image']['repository']}:{values['image']['tag']}"
    workloads = [o for o in objects if o["kind"] in WORKLOAD_KINDS]
    assert {o["kind"] for o in workloads} == WORKLOAD_KINDS
    for obj in workloads:
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        spec = _pod_spec(obj)
        assert spec["automountServiceAccountToken"] is False, where
        pod_sc = spec["securityContext"]
        assert pod_sc["runAsNonRoot"] is True, where
        assert isinstance(pod_sc["runAsUser"], int) and pod_sc["runAsUser"] > 0, where
        assert pod_sc["seccompProfile"]["type"] == "RuntimeDefault", where
        tmp_volumes = [v["name"] for v in spec.get("volumes", []) if "emptyDir" in v]
        for container in spec.get("initContainers", []) + spec["containers"]:
            cwhere = f"{where} container {container['name']}"
            sc = container["securityContext"]
            assert sc["runAsNonRoot"] is True, cwhere
            assert sc.get("runAsUser", pod_sc["runAsUser"]) > 0, cwhere
            assert sc["allowPrivilegeEscalation"] is False, cwhere
            assert sc["readOnlyRootFilesystem"] is True, cwhere
            assert sc["capabilities"]["drop"] == ["ALL"], cwhere
            assert not sc["capabilities"].get("add"), cwhere
            assert sc.get("privileged", False) is False, cwhere
            assert sc["seccompProfile"]["type"] == "RuntimeDefault", cwhere
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), cwhere
            assert {"cpu", "memory"} <= set(resources["limits"]), cwhere
            tmp = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
            assert tmp and tmp[0]["name"] in tmp_volumes, f"{cwhere}: /tmp must be an emptyDir"
            assert container["image"] == image, cwhere


def test_deployments_have_probes_and_drain(rendered: tuple[str, dict[str, Any], list[dict[str, Any]]]) -> None:
    _, _, objects = rendered
    for dep in _kind(objects, "Deployment"):
        where = dep["metadata"]["name"]
        role = dep["metadata"]["labels"]["app.kubernetes.io/component"]
        spec = _pod_spec(dep)
        (container,) = spec["containers"]
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert probe in container, f"{where}: no {probe}"
        if role == "api":
            assert container["livenessProbe"]["httpGet"]["path"] == "/livez", where
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", where
            assert container["startupProbe"]["httpGet"]["path"] == "/livez", where
            assert container["ports"][0]["containerPort"] == 8000
        else:
            for probe in ("startupProbe", "livenessProbe"):
                command = container[probe]["exec"]["command"]
                assert command[:2] == ["python", "-c"], where
                assert "KITE_HEARTBEAT_FILE" in command[2] and "getmtime" in command[2], where
            assert "ports" not in container, f"{where}: relay/consume have no port"
        sleep = container["lifecycle"]["preStop"]["sleep"]["seconds"]
        assert 0 < sleep < spec["terminationGracePeriodSeconds"], where
        if role in ("relay", "consume"):
            assert spec["terminationGracePeriodSeconds"] >= 60, f"{where}: time to finish a batch"
        strategy = dep["spec"]["strategy"]
        assert strategy["type"] == "RollingUpdate"
        assert strategy["rollingUpdate"]["maxUnavailable"] == 0, where
        keys = {c["topologyKey"] for c in spec["topologySpreadConstraints"]}
        assert keys == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}, where
        for constraint in spec["topologySpreadConstraints"]:
            assert _selects(constraint["labelSelector"], _pod_labels(dep)), where
        assert _selects(dep["spec"]["selector"], _pod_labels(dep)), where


def test_service_account_token_is_not_mounted(rendered: tuple[str, dict[str, Any], list[dict[str, Any]]]) -> None:
    _, _, objects = rendered
    accounts = _by_name(objects, "ServiceAccount")
    assert accounts, "the chart creates its ServiceAccounts"
    for name, sa in accounts.items():
        assert sa["automountServiceAccountToken"] is False, name
    for obj in objects:
        if obj["kind"] in WORKLOAD_KINDS:
            assert _pod_spec(obj)["serviceAccountName"] in accounts, obj["metadata"]["name"]


def test_a_pdb_for_every_deployment_with_more_than_one_replica(
    rendered: tuple[str, dict[str, Any], list[dict[str, Any]]],
) -> None:
    name, values, objects = rendered
    pdbs = _kind(objects, "PodDisruptionBudget")
    for dep in _kind(objects, "Deployment"):
        _, svc, role = dep["metadata"]["name"].split("-")
        want = _min_replicas(values, svc, role) > 1
        covering = [p for p in pdbs if _selects(p["spec"]["selector"], _pod_labels(dep))]
        assert bool(covering) == want, f"{dep['metadata']['name']}: PDB expected={want}, found {len(covering)}"
        for pdb in covering:
            assert pdb["spec"]["maxUnavailable"] == 1
    if name == "production":
        assert len(pdbs) == len(_kind(objects, "Deployment"))
    else:
        assert pdbs == []


def test_pdb_follows_replicas(chart: helm.Chart) -> None:
    objects = _objects(_render(chart, {"services": {"jobs": {"relay": {"replicas": 2}}}}))
    pdbs = _by_name(objects, "PodDisruptionBudget")
    assert set(pdbs) == {f"{RELEASE}-jobs-relay"}


def test_hpa_owns_api_replicas(rendered: tuple[str, dict[str, Any], list[dict[str, Any]]]) -> None:
    name, values, objects = rendered
    deployments = _by_name(objects, "Deployment")
    hpas = _kind(objects, "HorizontalPodAutoscaler")
    targets = set()
    for hpa in hpas:
        assert hpa["apiVersion"] == "autoscaling/v2"
        ref = hpa["spec"]["scaleTargetRef"]
        assert ref["kind"] == "Deployment" and ref["name"] in deployments
        assert "replicas" not in deployments[ref["name"]]["spec"], "an HPA-owned Deployment must not set replicas"
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        targets.add(ref["name"])
    expected = {f"{RELEASE}-{svc}-api" for svc in SERVICES if values["services"][svc]["api"]["autoscaling"]["enabled"]}
    assert targets == expected
    if name == "production":
        assert len(targets) == 4
        for svc in SERVICES:
            assert _min_replicas(values, svc, "api") >= 2
            relay = values["services"][svc]["relay"]
            assert not relay["enabled"] or relay["replicas"] >= 2


# ----------------------------------------------------------------------------- hooks


def test_migrations_run_as_pre_install_and_pre_upgrade_hooks(
    rendered: tuple[str, dict[str, Any], list[dict[str, Any]]],
) -> None:
    _, _, objects = rendered
    jobs = _by_name(objects, "Job")
    assert set(jobs) == {f"{RELEASE}-{svc}-migrate" for svc in SERVICES}
    hook_accounts = {
        o["metadata"]["name"]: o
        for o in objects
        if o["kind"] == "ServiceAccount" and "helm.sh/hook" in o["metadata"].get("annotations", {})
    }
    for name, job in jobs.items():
        svc = name.split("-")[1]
        annotations = job["metadata"]["annotations"]
        assert set(annotations["helm.sh/hook"].split(",")) == {"pre-install", "pre-upgrade"}
        assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
        spec = _pod_spec(job)
        assert spec["containers"][0]["args"] == ["migrate", svc]
        assert spec["restartPolicy"] == "Never"
        env = {e["name"]: e for e in spec["containers"][0]["env"]}
        assert "DATABASE_URL" in env
        # Pre-install hooks run before the release's own objects exist: the Job must use a
        # ServiceAccount that is itself a hook with a lower weight.
        account = hook_accounts[spec["serviceAccountName"]]
        assert int(account["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(annotations["helm.sh/hook-weight"])
        assert account["metadata"]["annotations"]["helm.sh/hook"] == annotations["helm.sh/hook"]


def test_helm_test_pod_checks_readyz_of_every_api(
    rendered: tuple[str, dict[str, Any], list[dict[str, Any]]],
) -> None:
    _, _, objects = rendered
    pods = _kind(objects, "Pod")
    assert len(pods) == 1
    (pod,) = pods
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    container = pod["spec"]["containers"][0]
    assert container["command"] == ["python", "-c"]
    script, *urls = container["args"]
    compile(script, "helm-test", "exec")  # the probe script is valid Python
    services = _by_name(objects, "Service")
    expected = {f"http://{name}:{svc['spec']['ports'][0]['port']}/readyz" for name, svc in services.items()}
    assert set(urls) == expected and len(urls) == len(SERVICES)


def test_every_hook_is_annotated_and_everything_else_is_not(
    rendered: tuple[str, dict[str, Any], list[dict[str, Any]]],
) -> None:
    _, _, objects = rendered
    for obj in objects:
        hook = obj["metadata"].get("annotations", {}).get("helm.sh/hook")
        if obj["kind"] in ("Job", "Pod"):
            assert hook, f"{obj['kind']}/{obj['metadata']['name']} must be a hook"
        if obj["kind"] in ("Deployment", "Service", "ConfigMap", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
            assert hook is None, f"{obj['kind']}/{obj['metadata']['name']} must not be a hook"


# ----------------------------------------------------------------------------- labels


def test_standard_labels(rendered: tuple[str, dict[str, Any], list[dict[str, Any]]]) -> None:
    _, _, objects = rendered
    for obj in objects:
        labels = obj["metadata"]["labels"]
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        assert labels["app.kubernetes.io/name"] == "kite", where
        assert labels["app.kubernetes.io/instance"] == RELEASE, where
        assert labels["app.kubernetes.io/version"] == "0.1.0", where
        assert labels["app.kubernetes.io/part-of"] == "kite", where
        assert labels["app.kubernetes.io/managed-by"] == "Helm", where
        if obj["kind"] in WORKLOAD_KINDS:
            assert labels["app.kubernetes.io/component"] in {"api", "relay", "consume", "migrate", "test"}, where


# ----------------------------------------------------------------------------- network policies


def test_network_policies_only_when_enabled(rendered: tuple[str, dict[str, Any], list[dict[str, Any]]]) -> None:
    _name, values, objects = rendered
    policies = _by_name(objects, "NetworkPolicy")
    if not values["networkPolicy"]["enabled"]:
        assert policies == {}
        return
    deny = policies[f"{RELEASE}-default-deny"]
    assert set(deny["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny["spec"] and "egress" not in deny["spec"]
    # every pod of the release is under the default deny, in both directions
    for obj in objects:
        if obj["kind"] in WORKLOAD_KINDS:
            labels = _pod_labels(obj)
            governing = [p for p in policies.values() if _selects(p["spec"]["podSelector"], labels)]
            types = {t for p in governing for t in p["spec"]["policyTypes"]}
            assert types == {"Ingress", "Egress"}, obj["metadata"]["name"]


def test_network_policies_are_on_by_default_and_off_only_by_values(chart: helm.Chart) -> None:
    """Closed by default (a government deployment); an operator opens it explicitly."""
    assert chart.merge_values({})["networkPolicy"]["enabled"] is True
    assert f"{RELEASE}-default-deny" in _by_name(_objects(_render(chart, {})), "NetworkPolicy")
    opened = _by_name(_objects(_render(chart, {"networkPolicy": {"enabled": False}})), "NetworkPolicy")
    assert opened == {}


def _egress_ports(policies: list[dict[str, Any]]) -> set[int]:
    return {p["port"] for pol in policies for rule in pol["spec"].get("egress", []) for p in rule.get("ports", [])}


def test_network_policy_flows_in_production(chart: helm.Chart) -> None:
    objects = _objects(_render(chart, _values("production")))
    values = chart.merge_values(_values("production"))
    policies = _kind(objects, "NetworkPolicy")
    np = values["networkPolicy"]
    deployments = _by_name(objects, "Deployment")

    def governing(name: str) -> list[dict[str, Any]]:
        labels = _pod_labels(deployments[name])
        return [p for p in policies if _selects(p["spec"]["podSelector"], labels)]

    relay = governing(f"{RELEASE}-roster-relay")
    ports = _egress_ports(relay)
    assert {53, *np["postgresql"]["ports"], *np["kafka"]["ports"], *np["otlp"]["ports"]} <= ports
    assert 443 not in ports, "relay never talks to the internet"
    assert not any(r for p in relay for r in p["spec"].get("ingress", [])), "relay accepts no traffic"

    api_ingress = [r for p in governing(f"{RELEASE}-casework-api") for r in p["spec"].get("ingress", [])]
    assert api_ingress and all(port["port"] == 8000 for r in api_ingress for port in r["ports"])
    peers = [peer for r in api_ingress for peer in r["from"]]
    assert np["ingressFrom"][0] in peers
    assert all(peer for peer in peers), "an empty peer would admit everyone"

    # only notify reaches webhook receivers, and never private ranges
    webhook_rules = [
        r
        for p in governing(f"{RELEASE}-notify-consume")
        for r in p["spec"].get("egress", [])
        if "ipBlock" in r["to"][0]
    ]
    assert webhook_rules
    block = webhook_rules[0]["to"][0]["ipBlock"]
    assert ipaddress.ip_network("10.0.0.0/8") in [ipaddress.ip_network(e) for e in block["except"]]
    for svc in ("roster", "casework", "jobs"):
        for p in governing(f"{RELEASE}-{svc}-consume"):
            for rule in p["spec"].get("egress", []):
                assert all(peer.get("ipBlock", {}).get("cidr") != "0.0.0.0/0" for peer in rule["to"]), (
                    f"{svc} must not get internet egress"
                )

    # migrations (pre-install hook) bring their own policy: DNS and PostgreSQL only
    migrate = [
        p for p in policies if p["spec"]["podSelector"]["matchLabels"].get("app.kubernetes.io/component") == "migrate"
    ]
    assert len(migrate) == 1
    assert migrate[0]["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert _egress_ports(migrate) == {53, *np["postgresql"]["ports"]}


def test_webhook_egress_is_configurable(chart: helm.Chart) -> None:
    values = {
        "networkPolicy": {
            "enabled": True,
            "webhooks": {"enabled": True, "to": [{"ipBlock": {"cidr": "198.51.100.0/24"}}], "ports": [8443]},
        }
    }
    policies = _by_name(_objects(_render(chart, values)), "NetworkPolicy")
    rule = policies[f"{RELEASE}-notify-webhooks"]["spec"]["egress"][0]
    assert rule["to"] == [{"ipBlock": {"cidr": "198.51.100.0/24"}}]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8443}]
    values["networkPolicy"]["webhooks"]["enabled"] = False
    assert f"{RELEASE}-notify-webhooks" not in _by_name(_objects(_render(chart, values)), "NetworkPolicy")


# ----------------------------------------------------------------------------- secrets


SECRET_NAME = re.compile(r"(?i)(PASSWORD|SECRET|TOKEN|DATA_KEYS|HASH_KEY|PRIVATE)")
SECRET_VALUE = re.compile(
    r"(?i)(://[^/\s:@]+:[^/\s@]+@"  # credentials in a URL
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|\b[A-Za-z0-9_-]+:[A-Za-z0-9+/]{32,}={0,2}(,|$)"  # keyid:base64key
    r"|^[A-Za-z0-9+/]{40,}={0,2}$)"  # a bare long base64 string
)
SECRET_ENV = {
    "KITE_AUTH_JWT_SECRET",
    "KITE_CRYPTO_DATA_KEYS",
    "KITE_CRYPTO_HASH_KEY",
    "KITE_WEBHOOK_SIGNING_SECRET",
    "KITE_CERT_SIGNING_KEYS",
    "KAFKA_SASL_PASSWORD",
    "PGPASSWORD",
}


def _assert_no_secret_in_configmaps(objects: list[dict[str, Any]], *needles: str) -> None:
    configmaps = _kind(objects, "ConfigMap")
    assert configmaps
    for cm in configmaps:
        for key, value in (cm.get("data") or {}).items():
            assert not SECRET_NAME.search(key) or key == "KITE_AUTH_JWT_PUBLIC_KEY", f"{key} in a ConfigMap"
            assert not SECRET_VALUE.search(str(value)), f"{key}={value!r} looks secret"
            for needle in needles:
                assert needle not in str(value), f"{needle!r} leaked into ConfigMap key {key}"


def test_no_secret_looking_value_in_any_configmap(
    rendered: tuple[str, dict[str, Any], list[dict[str, Any]]],
) -> None:
    _, _, objects = rendered
    _assert_no_secret_in_configmaps(objects)


def test_secret_pattern_would_catch_leaks() -> None:
    assert SECRET_VALUE.search("postgresql://kite:hunter2@db:5432/kite")
    assert SECRET_VALUE.search("k1:" + "A" * 43 + "=")
    assert not SECRET_VALUE.search("postgresql://kite_roster@postgresql:5432/kite_roster?sslmode=prefer")
    assert not SECRET_VALUE.search("kafka-kafka-bootstrap:9092")


def test_inline_passwords_go_to_a_secret_only(chart: helm.Chart) -> None:
    db_password, kafka_password = "db-Pa55word-xyz", "kafka-Pa55word-xyz"
    values = {
        "services": {"jobs": {"database": {"password": db_password}}},
        "kafka": {
            "securityProtocol": "SASL_SSL",
            "saslMechanism": "SCRAM-SHA-512",
            "sasl": {"username": "kite", "password": kafka_password},
        },
    }
    manifests = _render(chart, values)
    objects = _objects(manifests)
    _assert_no_secret_in_configmaps(objects, db_password, kafka_password)
    for obj in objects:
        if obj["kind"] != "Secret":
            text = yaml.safe_dump(obj)
            assert db_password not in text and kafka_password not in text, f"{obj['kind']}/{obj['metadata']['name']}"
    (secret,) = [o for o in _kind(objects, "Secret") if "helm.sh/hook" not in o["metadata"].get("annotations", {})]
    assert set(secret["data"]) == {"jobs-database-password", "kafka-sasl-password"}
    env = {
        e["name"]: e for e in _pod_spec(_by_name(objects, "Deployment")[f"{RELEASE}-jobs-api"])["containers"][0]["env"]
    }
    assert env["PGPASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": secret["metadata"]["name"],
        "key": "jobs-database-password",
    }
    userinfo = env["DATABASE_URL"]["value"].split("//", 1)[1].split("@", 1)[0]
    assert userinfo == "kite_jobs", "the URL carries the user, never the password"


def test_keys_only_from_existing_secrets(rendered: tuple[str, dict[str, Any], list[dict[str, Any]]]) -> None:
    _, values, objects = rendered
    secrets = values["secrets"]
    seen = set()
    for obj in objects:
        if obj["kind"] not in WORKLOAD_KINDS:
            continue
        for container in _pod_spec(obj)["containers"]:
            for env in container.get("env", []):
                if env["name"] in SECRET_ENV:
                    seen.add(env["name"])
                    assert "value" not in env, f"{env['name']} must come from a Secret"
                    assert env["valueFrom"]["secretKeyRef"]["name"], env
        # crypto keys: every api, relay and consume gets them, from the named Secret only
        if obj["kind"] == "Deployment":
            env = {e["name"]: e for e in _pod_spec(obj)["containers"][0]["env"]}
            ref = env["KITE_CRYPTO_DATA_KEYS"]["valueFrom"]["secretKeyRef"]
            assert ref == {"name": secrets["crypto"]["existingSecret"], "key": secrets["crypto"]["dataKeysKey"]}
            is_notify = obj["metadata"]["labels"]["kite.dev/service"] == "notify"
            assert ("KITE_WEBHOOK_SIGNING_SECRET" in env) == is_notify
            # certificate signing keys: casework only, from the crypto Secret
            is_casework = obj["metadata"]["labels"]["kite.dev/service"] == "casework"
            assert ("KITE_CERT_SIGNING_KEYS" in env) == is_casework
            if is_casework:
                ref = env["KITE_CERT_SIGNING_KEYS"]["valueFrom"]["secretKeyRef"]
                assert ref == {
                    "name": secrets["crypto"]["existingSecret"],
                    "key": secrets["crypto"]["certSigningKeysKey"],
                }
    assert {
        "KITE_CRYPTO_DATA_KEYS",
        "KITE_CRYPTO_HASH_KEY",
        "KITE_WEBHOOK_SIGNING_SECRET",
        "KITE_CERT_SIGNING_KEYS",
    } <= seen
    # the chart never renders a Secret holding keys
    for secret in _kind(objects, "Secret"):
        assert all(k.endswith(("-database-password", "kafka-sasl-password")) for k in secret.get("data", {})), secret


def test_production_reads_database_url_and_kafka_password_from_secrets(chart: helm.Chart) -> None:
    values = _values("production")
    objects = _objects(_render(chart, values))
    users = _by_name(objects, "KafkaUser")
    for svc in SERVICES:
        dep = _by_name(objects, "Deployment")[f"{RELEASE}-{svc}-api"]
        env = {e["name"]: e for e in _pod_spec(dep)["containers"][0]["env"]}
        assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": f"kite-{svc}-db-app", "key": "uri"}
        ref = env["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert ref["name"] in users and ref["key"] == "password"
        assert env["KAFKA_SASL_USERNAME"]["value"] == ref["name"]
    assert _kind(objects, "Secret") == []


# ----------------------------------------------------------------------------- Kafka, KEDA, extras


def test_strimzi_topics_in_production(chart: helm.Chart) -> None:
    objects = _objects(_render(chart, _values("production")))
    values = chart.merge_values(_values("production"))
    topics = {t["spec"]["topicName"]: t for t in _kind(objects, "KafkaTopic")}
    expected = {f"{svc}.events" for svc in SERVICES} | {f"{svc}.events.dlq" for svc in SERVICES}
    assert set(topics) == expected
    for name, topic in topics.items():
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == values["kafka"]["strimzi"]["clusterName"]
        assert topic["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
        if name.endswith(".dlq"):
            assert topic["spec"]["partitions"] == values["kafka"]["topics"]["dlqPartitions"]
        else:
            assert topic["spec"]["partitions"] == values["kafka"]["topics"]["partitions"]
            assert topic["spec"]["config"]["retention.ms"] == values["kafka"]["topics"]["retentionMs"]
    # a consumer's replicas never exceed the partitions
    for svc in SERVICES:
        consume = values["services"][svc]["consume"]
        if consume["enabled"]:
            assert consume["replicas"] <= values["kafka"]["topics"]["partitions"]


def test_keda_scaled_object(chart: helm.Chart) -> None:
    values = {
        "kafka": {
            "securityProtocol": "SASL_SSL",
            "saslMechanism": "SCRAM-SHA-512",
            "sasl": {"existingSecret": "kafka-creds"},
        },
        "services": {
            "jobs": {"consume": {"keda": {"enabled": True, "consumerGroup": "jobs.matching", "maxReplicaCount": 6}}}
        },
    }
    objects = _objects(_render(chart, values))
    (scaled,) = _kind(objects, "ScaledObject")
    assert scaled["spec"]["scaleTargetRef"]["name"] == f"{RELEASE}-jobs-consume"
    assert scaled["spec"]["maxReplicaCount"] == 6
    assert {t["metadata"]["consumerGroup"] for t in scaled["spec"]["triggers"]} == {"jobs.matching"}
    assert {t["metadata"]["sasl"] for t in scaled["spec"]["triggers"]} == {"scram_sha512"}
    (auth,) = _kind(objects, "TriggerAuthentication")
    assert {e["name"] for e in auth["spec"]["env"]} == {"KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD"}
    assert "replicas" not in _by_name(objects, "Deployment")[f"{RELEASE}-jobs-consume"]["spec"]
    assert _kind(objects, "HorizontalPodAutoscaler") == []


def test_ingress_and_service_monitor_in_production(chart: helm.Chart) -> None:
    values = _values("production")
    objects = _objects(_render(chart, values))
    (ingress,) = _kind(objects, "Ingress")
    services = _by_name(objects, "Service")
    rule_hosts = {r["host"] for r in ingress["spec"]["rules"]}
    tls_hosts = {h for t in ingress["spec"]["tls"] for h in t["hosts"]}
    assert rule_hosts and rule_hosts <= tls_hosts
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] in services and backend["port"]["name"] == "http"
    (monitor,) = _kind(objects, "ServiceMonitor")
    for svc in services.values():
        assert _selects(monitor["spec"]["selector"], svc["metadata"]["labels"])


# ----------------------------------------------------------------------------- values the chart refuses


SCHEMA_REJECTS = [
    ({"services": {"roster": {"api": {"replicas": "two"}}}}, r"/services/roster/api/replicas.*want integer"),
    ({"services": {"roster": {"api": {"replicas": -1}}}}, r"/services/roster/api/replicas.*minimum"),
    ({"services": {"roster": {"api": {"replica": 2}}}}, r"additional properties 'replica' not allowed"),
    ({"services": {"billing": {"enabled": True}}}, r"additional properties 'billing' not allowed"),
    ({"image": {"tag": 1.0}}, r"/image/tag.*want string"),
    ({"image": {"tag": ""}}, r"/image/tag.*minLength"),
    ({"secrets": {"crypto": {"dataKeys": "k1:c2VjcmV0"}}}, r"additional properties 'dataKeys' not allowed"),
    ({"secrets": {"crypto": {"existingSecret": ""}}}, r"/secrets/crypto/existingSecret"),
    ({"config": {"extraEnv": {"KITE_AUTH_JWT_SECRET": "x"}}}, r"invalid propertyName 'KITE_AUTH_JWT_SECRET'"),
    ({"networkPolicy": {"postgresql": {"to": []}}}, r"/networkPolicy/postgresql/to.*minItems"),
    ({"kafka": {"securityProtocol": "TLS"}}, r"/kafka/securityProtocol"),
    (
        {"services": {"jobs": {"api": {"resources": {"requests": {"cpu": "lots"}}}}}},
        r"/services/jobs/api/resources/requests/cpu",
    ),
]


@pytest.mark.parametrize(("values", "message"), SCHEMA_REJECTS, ids=[m for _, m in SCHEMA_REJECTS])
def test_schema_rejects_wrong_values(chart: helm.Chart, values: dict[str, Any], message: str) -> None:
    with pytest.raises(helm.HelmValuesError, match=message):
        _render(chart, values)


RENDER_FAILS = [
    (
        {
            "services": {
                "jobs": {
                    "consume": {"autoscaling": {"enabled": True}, "keda": {"enabled": True, "consumerGroup": "jobs.x"}}
                }
            }
        },
        r"services\.jobs\.consume: both autoscaling \(HPA\) and keda are enabled",
    ),
    (
        {
            "services": {
                "jobs": {"consume": {"keda": {"enabled": True, "consumerGroup": "jobs.x", "maxReplicaCount": 7}}}
            }
        },
        r"maxReplicaCount \(7\) is above the partition count \(6\)",
    ),
    (
        {
            "kafka": {"topics": {"partitions": 12}},
            "services": {
                "roster": {"topic": {"partitions": 3}},
                "jobs": {
                    "consume": {
                        "keda": {
                            "enabled": True,
                            "consumerGroup": "jobs.x",
                            "maxReplicaCount": 4,
                            "topics": ["roster", "casework"],
                        }
                    }
                },
            },
        },
        r"maxReplicaCount \(4\) is above the partition count \(3\) of topic roster\.events",
    ),
    (
        {"services": {"jobs": {"consume": {"keda": {"enabled": True}}}}},
        r"services\.jobs\.consume\.keda\.consumerGroup is required",
    ),
    (
        {"services": {"casework": {"consume": {"autoscaling": {"enabled": True, "maxReplicas": 8}}}}},
        r"maxReplicas \(8\) is above kafka\.topics\.partitions \(6\)",
    ),
    (
        {"services": {"roster": {"relay": {"terminationGracePeriodSeconds": 2, "preStopSleepSeconds": 2}}}},
        r"services\.roster\.relay: terminationGracePeriodSeconds \(2\) must be longer",
    ),
    (
        {"networkPolicy": {"enabled": True, "webhooks": {"enabled": True, "to": []}}},
        r"networkPolicy\.webhooks\.enabled: list the webhook receivers",
    ),
    ({"secrets": {"auth": {"existingSecret": ""}}}, r"auth: set auth\.jwksUrl, auth\.jwtPublicKey or secrets\.auth"),
    ({"telemetry": {"exporter": "otlp"}}, r"telemetry\.otlpEndpoint"),
    (
        {
            "ingress": {
                "enabled": True,
                "hosts": [{"host": "k.example", "paths": [{"path": "/", "service": "roster"}]}],
            },
            "services": {"roster": {"api": {"enabled": False}}},
        },
        r"routes to service \"roster\" whose api is not enabled",
    ),
]


@pytest.mark.parametrize(("values", "message"), RENDER_FAILS, ids=[m for _, m in RENDER_FAILS])
def test_chart_fails_with_a_clear_message(chart: helm.Chart, values: dict[str, Any], message: str) -> None:
    with pytest.raises(helm.HelmRenderError, match=message):
        _render(chart, values)


def test_keda_within_partitions_renders(chart: helm.Chart) -> None:
    values = {
        "services": {"jobs": {"consume": {"keda": {"enabled": True, "consumerGroup": "jobs.x", "maxReplicaCount": 6}}}}
    }
    assert len(_kind(_objects(_render(chart, values)), "ScaledObject")) == 1


# ----------------------------------------------------------------------------- Containerfile


def _stages(text: str) -> list[tuple[str, list[str]]]:
    """(FROM line, instructions) per stage, with line continuations joined."""
    joined = re.sub(r"\\\n\s*", " ", text)
    stages: list[tuple[str, list[str]]] = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append((line, []))
        elif stages:
            stages[-1][1].append(line)
    return stages


def test_containerfile_promises() -> None:
    text = CONTAINERFILE.read_text()
    stages = _stages(text)
    assert len(stages) >= 2, "multi-stage build"
    assert all(re.search(r"\sAS\s+\w+", f, re.I) for f, _ in stages), "named stages"
    builder = "\n".join(stages[0][1])
    final_from, final = stages[-1]
    final_text = "\n".join(final)
    args = dict(re.findall(r"^ARG (\w+)=(\S+)", text, re.M))
    base = final_from.split()[1]
    base = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], base)
    assert base.startswith("python:3.11-slim"), base

    syncs = re.findall(r"uv sync[^\n&]*", builder)
    assert syncs and all("--frozen" in s and "--no-dev" in s for s in syncs), syncs
    assert "uv" not in re.sub(r"\bUV_\w+|/opt/kite/venv", "", final_text).split(), "no uv in the runtime stage"
    assert not re.search(r"apt-get install|build-essential|gcc", final_text), "no compilers in the runtime stage"
    assert re.search(r"COPY --from=builder\S* .*/opt/kite/venv", final_text)

    users = [line.split()[1] for line in final if line.upper().startswith("USER ")]
    assert users, "the runtime stage sets USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) > 0, "numeric non-root USER"
    assert re.search(r"PYTHONDONTWRITEBYTECODE=1", final_text)
    assert re.search(r"HOME=/tmp", final_text)
    assert 'ENTRYPOINT ["kite"]' in final_text
    assert re.search(r'CMD \["--help"\]', final_text)


def test_containerfile_installs_every_workspace_member() -> None:
    """A new service added to the uv workspace must also be copied and synced in the image."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    members = pyproject["tool"]["uv"]["workspace"]["members"]
    text = CONTAINERFILE.read_text()
    packages = set(re.findall(r"--package (\S+)", text))
    for member in members:
        name = tomllib.loads((ROOT / member / "pyproject.toml").read_text())["project"]["name"]
        assert f"COPY {member}/pyproject.toml" in text, member
        if member.startswith("services/"):
            assert name in packages, name
    # the local-only extra (embedded PostgreSQL, in-process broker) stays out of the image
    assert "--all-extras" not in text and "--extra local" not in text
    # the build context's ignore file keeps out local state but none of what the build copies
    ignored = {
        line.strip()
        for line in (DEPLOY / "Containerfile.dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "**/.venv"} <= ignored
    assert not ignored & {"pyproject.toml", "uv.lock", "libs", "services", "*", "**"}

"""Helpers for the stack tests: load a stack file the way the CLI hands it to a program, run the program
under mocks, and look for plaintext secrets.

(A plain module with a distinctive name rather than a conftest.py: tests/ has no __init__.py, so a second
conftest.py elsewhere in tests/ could collide with this one under pytest's default import mode.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

import pulumi
import pulumi.runtime
import yaml
from pulumi.runtime import mocks, rpc

from agora_pulumi.set_model import key_members

REPO = Path(__file__).resolve().parents[2]
STACKS = REPO / "stacks"
PROJECT = "agora-snapshots"


def project_name() -> str:
    """The project name from Pulumi.yaml: it is the config namespace, so the tests read it, not assume it."""
    return str(yaml.safe_load((REPO / "Pulumi.yaml").read_text())["name"])


def load_stack_config(path: Path) -> dict[str, Any]:
    """The ``config:`` map of a stack file, as YAML values (objects stay objects)."""
    return dict(yaml.safe_load(path.read_text())["config"])


def _has_secure(value: Any) -> bool:
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(_has_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secure(v) for v in value)
    return False


def to_runtime_config(
    config: dict[str, Any], extra_secret_keys: Iterable[str] = ()
) -> tuple[dict[str, str], list[str]]:
    """Flatten a stack's config the way the CLI passes it to a Python program.

    Every value becomes a string (``PULUMI_CONFIG``): scalars as text (``true``, ``30``), objects and lists as
    JSON, which is what ``Config.get_object`` parses. A key is secret (``PULUMI_CONFIG_SECRET_KEYS``) when it,
    or anything nested in it, was set with ``--secret``. Encrypted values cannot be decrypted here, so a test
    passes plaintext values and names their keys in ``extra_secret_keys``.
    """
    flat: dict[str, str] = {}
    secret = set(extra_secret_keys)
    for key, value in config.items():
        if _has_secure(value):
            raise ValueError(f"{key}: encrypted values cannot be decrypted in a unit test")
        flat[key] = value if isinstance(value, str) else json.dumps(value)
    return flat, sorted(secret)


def set_path(config: dict[str, Any], project: str, path: str, value: Any) -> str:
    """Apply ``pulumi config set --path '<path>' <value>`` (dotted keys only); returns the top-level key."""
    top, *rest = path.split(".")
    key = top if ":" in top else f"{project}:{top}"
    if not rest:
        config[key] = value
        return key
    node = config.setdefault(key, {})
    for part in rest[:-1]:
        node = node.setdefault(part, {})
    node[rest[-1]] = value
    return key


class RecordingMocks(pulumi.runtime.Mocks):
    """Records every registration; the id is the provider's (``appId/entryPoint/region``), state = inputs."""

    def __init__(self) -> None:
        self.registered: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[Optional[str], dict[str, Any]]:
        self.registered.append(args)
        inputs = args.inputs
        state = {k: v for k, v in inputs.items() if k != "__provider"}
        if "settings" in inputs:  # a SnapshotSettingSet: the provider's id is set:<appIds>
            # The native set takes a list; its provider keys the members, as its Check does.
            members = state["settings"]
            if rpc.is_rpc_secret(members):
                state["settings"] = rpc.wrap_rpc_secret(key_members(rpc.unwrap_rpc_secret(members))[0])
            else:
                state["settings"] = key_members(members)[0]
            return f"set:{args.name}", state
        return f"{inputs['appId']}/{inputs['entryPoint']}/{inputs['region']}", state

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], Optional[list[tuple[str, str]]]]:
        return {}, None


class RequestMonitor(mocks.MockMonitor):
    """The SDK's mock monitor, keeping each raw RegisterResource request (its options: aliases) by name."""

    def __init__(self, m: mocks.Mocks) -> None:
        super().__init__(m)
        self.requests: dict[str, Any] = {}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        self.requests[request.name] = request
        return super().RegisterResource(request)


@dataclass
class ProgramRun:
    mocks: RecordingMocks
    monitor: Optional[RequestMonitor] = None
    outputs: dict[str, Any] = field(default_factory=dict)
    secret_flags: dict[str, dict[str, bool]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.mocks.registered]

    def inputs(self, name: str) -> dict[str, Any]:
        return next(r.inputs for r in self.mocks.registered if r.name == name)


def run_program(flat: dict[str, str], secret_keys: list[str], stack: str = "dev") -> ProgramRun:
    """Run ``agora_pulumi.program.main`` under mocks with this config; resolve its exports and secret flags.

    Exceptions from the program (``pulumi.RunError``) propagate; ``run.mocks`` is reachable through the
    exception's ``run`` attribute so a test can check that nothing was registered.
    """
    from agora_pulumi import program

    mocks = RecordingMocks()
    monitor = RequestMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(flat, secret_keys)
    root = pulumi.runtime.get_root_resource()
    assert root is not None
    root.outputs.clear()  # type: ignore[attr-defined]  # one root Stack per process; drop earlier exports
    run = ProgramRun(mocks, monitor)

    @pulumi.runtime.test
    def body() -> pulumi.Output[Any]:
        settings = program.main()
        exported = dict(root.outputs)  # type: ignore[attr-defined]
        flags = {
            name: pulumi.Output.all(
                # A StandardSnapshotSetting has no storage_config output (the API takes no storage).
                resource=resource.storage_config.is_secret() if hasattr(resource, "storage_config") else False,
                enabled=resource.enabled.is_secret(),
            )
            for name, resource in settings.items()
            if hasattr(resource, "enabled")  # a SnapshotSettingSet's secrecy is checked on its inputs
        }
        return pulumi.Output.all(outputs=exported, flags=flags).apply(
            lambda v: (run.outputs.update(v["outputs"]), run.secret_flags.update(v["flags"]))
        )

    try:
        body()
    except BaseException as err:
        err.run = run  # type: ignore[attr-defined]
        raise
    return run


def plaintext_hits(value: Any, needles: Iterable[str], path: str = "") -> list[str]:
    """Paths where any needle appears in plain text, not counting values inside RPC secret wrappers."""
    needles = list(needles)
    if isinstance(value, dict):
        if rpc.is_rpc_secret(value):
            return []
        hits: list[str] = []
        for k, v in value.items():
            hits += plaintext_hits(v, needles, f"{path}.{k}")
        return hits
    if isinstance(value, (list, tuple)):
        return [h for i, v in enumerate(value) for h in plaintext_hits(v, needles, f"{path}[{i}]")]
    if isinstance(value, str) and any(n in value for n in needles):
        return [path or "<root>"]
    return []


def storage_key_values(config: dict[str, Any], project: str = PROJECT) -> list[str]:
    """Every accessKey/secretKey value in a stack's storageProfiles."""
    profiles = config.get(f"{project}:storageProfiles") or {}
    return [p[k] for p in profiles.values() for k in ("accessKey", "secretKey") if isinstance(p.get(k), str)]

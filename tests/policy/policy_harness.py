"""Drive the policy pack the way the Pulumi engine does, without a Pulumi CLI.

Three pieces:

* :func:`run_program` runs a real Pulumi program (``agora_pulumi.SnapshotSetting`` and friends) under
  ``pulumi.runtime.set_mocks``. ``MockResourceArgs`` carries the inputs but not the resource options, and
  its inputs are re-deserialized (secrets pushed up a level, unknowns dropped outside preview), so we pass
  ``set_mocks`` our own ``MockMonitor`` subclass (its ``monitor=`` parameter exists for this) that records
  each ``RegisterResourceRequest`` exactly as the SDK sent it: the property ``Struct`` the engine would
  receive (secrets as signature envelopes, unknowns as the UNKNOWN sentinel, numbers as floats) and
  ``additionalSecretOutputs``. The mock's ``new_resource`` args are kept too, and a test checks that both
  views agree.
* :func:`analyze_request` / :func:`stack_request` turn a registration into the engine's analyzer requests.
  The engine (pkg/resource/plugin/analyzer_plugin.go) marshals with ``KeepUnknowns``, ``KeepSecrets`` and
  ``SkipInternalKeys``: secrets stay wrapped (pulumi_policy unwraps them, pulumi-policy#241), unknowns stay
  sentinels and ``__provider`` is dropped. Analyze sees the inputs after the provider's ``Check``; the
  default (and current placeholder) dynamic-provider check returns them unchanged, so they are used as
  sent. AnalyzeStack sees outputs; a dynamic provider echoes its inputs, and the engine marks the
  ``additionalSecretOutputs`` secret, which is modelled by wrapping those keys.
* :class:`Analyzer` starts ``<python> -u -m pulumi.policy 127.0.0.1:1 <pack dir>`` from the pack directory
  (what the CLI's Python language host runs for a pack, with the interpreter of the pack's ``virtualenv``
  option; by default this interpreter and the shipped pack), reads the port it prints and talks gRPC to it. The engine
  address is never dialled: ``pulumi_policy`` only serves, and ``pulumi.log`` (unused by the pack) would
  fall back to stderr without a configured engine, so no fake Engine servicer is needed.
  :meth:`Analyzer.configure` replays the CLI's ``ReconcilePolicyPackConfig``: schema defaults for every
  policy, then ``all``, then the given ``--policy-pack-config`` JSON.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, NamedTuple, Optional, Sequence

import grpc
import pulumi
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from agora_pulumi import resource as agora_resource

# The test data and policy names the pack tests share (one spelling for the three test modules).
APP = "8f2c1c5e0b7a4d3e9f6a1b2c3d4e5f60"
AK = "LTAI5tKx9QmR2vWz8JpN3c"
SK = "q7Yd2Vt9XbL4mN8sK1rP6wE3zA5uC0"

KEYS_SECRET = "agora-storage-keys-secret"
PLACEHOLDER = "agora-storage-keys-not-placeholder"
CREDENTIALS = "agora-no-credentials-in-inputs"
ONE_OWNER = "agora-one-owner-per-setting"
GEOGRAPHY = "agora-storage-in-push-region"
MODERATION = "agora-moderation-required"
VENDORS = "agora-allowed-storage-vendors"
INTERVAL = "agora-snapshot-interval-bounds"


REPO = Path(__file__).resolve().parents[2]
PACK_DIR = REPO / "agora_pulumi" / "policy"
PACK_NAME = "agora-fls-snapshot"

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
FAKE_ENGINE = "127.0.0.1:1"


def secret(value: Any) -> dict[str, Any]:
    """A secret in the wire form the engine keeps for analyzers."""
    return {SIG_KEY: SECRET_SIG, "value": value}


# ------------------------------------------------------------------------------------------------------
# Running a program under mocks
# ------------------------------------------------------------------------------------------------------


@dataclass
class Registration:
    type: str
    name: str
    urn: str
    parent: str
    properties: dict[str, Any]
    """The RegisterResource ``object`` as sent by the SDK (JSON form of the Struct)."""
    additional_secret_outputs: list[str]
    mock_args: Optional[pulumi_mocks.MockResourceArgs] = None


@dataclass
class _Capture:
    registrations: list[Registration] = field(default_factory=list)
    mock_args: list[pulumi_mocks.MockResourceArgs] = field(default_factory=list)


class _Mocks(pulumi_mocks.Mocks):
    def __init__(self, capture: _Capture) -> None:
        self.capture = capture

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[Optional[str], dict[str, Any]]:
        self.capture.mock_args.append(args)
        return f"{args.name}-id", {}

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    def __init__(self, mocks: _Mocks, capture: _Capture) -> None:
        super().__init__(mocks)
        self.capture = capture

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.capture.registrations.append(
                Registration(
                    type=request.type,
                    name=request.name,
                    # The engine does not qualify children of the root stack with its type; the mock does.
                    urn=response.urn.replace("::pulumi:pulumi:Stack$", "::"),
                    parent=request.parent,
                    properties=json_format.MessageToDict(request.object),
                    additional_secret_outputs=list(request.additionalSecretOutputs),
                )
            )
        return response


def run_program(program: Callable[[], None], *, preview: bool = False) -> dict[str, Registration]:
    """Run ``program`` against mocks; the registrations it made, by resource name."""
    capture = _Capture()
    mocks = _Mocks(capture)
    pulumi.runtime.set_mocks(
        mocks, project="agora", stack="dev", preview=preview, monitor=_RecordingMonitor(mocks, capture)
    )

    @pulumi.runtime.test
    def _run() -> None:
        program()

    # The program side refuses two owners of one setting it can see (agora_pulumi.resource.claim_setting); the pack
    # is for what no program check stops (other languages, identities known only later), so these test
    # programs register freely, duplicates included.
    claim = agora_resource.claim_setting
    agora_resource.claim_setting = lambda key, owner: None
    try:
        _run()
    finally:
        agora_resource.claim_setting = claim
    by_name = {r.name: r for r in capture.registrations}
    assert len(by_name) == len(capture.registrations), "resource names must be unique in a test program"
    for args in capture.mock_args:
        by_name[args.name].mock_args = args
    return by_name


# ------------------------------------------------------------------------------------------------------
# Engine-shaped requests
# ------------------------------------------------------------------------------------------------------


def _struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(props)
    return s


def engine_properties(reg: Registration) -> dict[str, Any]:
    """``SkipInternalKeys``: the engine never shows ``__provider`` (or any ``__`` key) to an analyzer."""
    return {k: v for k, v in reg.properties.items() if not k.startswith("__")}


def _options(reg: Registration) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(
        additionalSecretOutputs=reg.additional_secret_outputs,
        parent=reg.parent,
        customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(),
    )


def analyze_request(reg: Registration) -> analyzer_pb2.AnalyzeRequest:
    return analyzer_pb2.AnalyzeRequest(
        type=reg.type,
        properties=_struct(engine_properties(reg)),
        urn=reg.urn,
        name=reg.name,
        options=_options(reg),
    )


def stack_request(regs: Sequence[Registration]) -> analyzer_pb2.AnalyzeStackRequest:
    resources = []
    for reg in regs:
        outputs = engine_properties(reg)
        for key in reg.additional_secret_outputs:
            if key in outputs:
                outputs[key] = secret(outputs[key])
        resources.append(
            analyzer_pb2.AnalyzerResource(
                type=reg.type,
                properties=_struct(outputs),
                urn=reg.urn,
                name=reg.name,
                options=_options(reg),
                parent=reg.parent,
            )
        )
    return analyzer_pb2.AnalyzeStackRequest(resources=resources)


# ------------------------------------------------------------------------------------------------------
# The analyzer process
# ------------------------------------------------------------------------------------------------------


class Diag(NamedTuple):
    policy: str
    level: str
    message: str
    urn: str


def _level_name(level: int) -> str:
    return analyzer_pb2.EnforcementLevel.Name(level).lower()


def diags(response: analyzer_pb2.AnalyzeResponse) -> list[Diag]:
    for d in response.diagnostics:
        assert d.policyPackName == PACK_NAME
    return sorted(Diag(d.policyName, _level_name(d.enforcementLevel), d.message, d.urn) for d in response.diagnostics)


class Analyzer:
    """One ``python -m pulumi.policy`` process serving the pack, and a client for it."""

    def __init__(self, pack_dir: Path = PACK_DIR, python: str = sys.executable) -> None:
        """Start the pack in ``pack_dir`` the way the CLI's Python host does: cwd = pack dir, ``-u -m``."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
        self._stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [python, "-u", "-m", "pulumi.policy", FAKE_ENGINE, str(pack_dir)],
            cwd=pack_dir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        try:
            port = self._read_port(timeout=20.0)
            self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
            grpc.channel_ready_future(self.channel).result(timeout=10)
        except BaseException:
            self.close()
            raise
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
        self.info = self.stub.GetAnalyzerInfo(empty_pb2.Empty())

    def _read_port(self, timeout: float) -> int:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline().decode().strip() if ready else ""
        if not line.isdigit():
            raise RuntimeError(f"analyzer did not print its port (got {line!r}); stderr:\n{self.stderr()}")
        return int(line)

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def close(self) -> None:
        if getattr(self, "channel", None) is not None:
            self.channel.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._stderr.close()

    # --- RPCs, shaped like the engine's calls -----------------------------------------------------

    def description(self, policy: str) -> str:
        return next(p.description for p in self.info.policies if p.name == policy)

    def configure(self, config: Optional[Mapping[str, Any]] = None) -> dict[str, dict[str, Any]]:
        """``--policy-pack-config`` semantics (ReconcilePolicyPackConfig); returns what was sent."""
        config = dict(config or {})
        result: dict[str, dict[str, Any]] = {}
        for policy in self.info.policies:
            schema = json_format.MessageToDict(policy.configSchema.properties)
            props = {k: v["default"] for k, v in schema.items() if "default" in v}
            result[policy.name] = {"enforcementLevel": _level_name(policy.enforcementLevel), **props}
        everything = config.pop("all", None)
        if everything is not None:
            level = everything if isinstance(everything, str) else everything.get("enforcementLevel")
            for entry in result.values():
                entry["enforcementLevel"] = level
        for name, given in config.items():
            if name not in result:
                continue
            given = {"enforcementLevel": given} if isinstance(given, str) else dict(given)
            result[name].update(given)
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, entry in result.items():
            props = {k: v for k, v in entry.items() if k != "enforcementLevel"}
            request.policyConfig[name].CopyFrom(
                analyzer_pb2.PolicyConfig(
                    enforcementLevel=analyzer_pb2.EnforcementLevel.Value(entry["enforcementLevel"].upper()),
                    properties=_struct(props),
                )
            )
        self.stub.Configure(request)
        return result

    def configure_from_file(self, path: Path) -> dict[str, dict[str, Any]]:
        return self.configure(json.loads(path.read_text()))

    def analyze(self, reg: Registration) -> list[Diag]:
        return diags(self.stub.Analyze(analyze_request(reg)))

    def analyze_stack(self, regs: Sequence[Registration]) -> list[Diag]:
        return diags(self.stub.AnalyzeStack(stack_request(regs)))

    def remediate(self, reg: Registration) -> analyzer_pb2.RemediateResponse:
        request = analyze_request(reg)
        # Remediate is the one call the engine makes with SkipInternalKeys=false.
        request.properties.update({k: v for k, v in reg.properties.items() if k.startswith("__")})
        return self.stub.Remediate(request)

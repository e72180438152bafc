"""``agora-pulumi adopt``: keys Agora did not return, 404s, bad arguments, ``--stack-config``, the Python format.

The round trip (adopt → ``pulumi up`` sends back what Agora holds) is in ``tests/stacks/test_adopt_roundtrip.py``.
"""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path
from typing import Any, Iterator, Mapping

import pytest
import yaml

from agora_pulumi import cli
from agora_pulumi.adopt import AdoptError, check_python_module, read_live, render_fleet, render_python
from agora_pulumi.client import AgoraClient
from agora_pulumi.client_config import ClientConfig
from agora_pulumi.errors import NotFoundError
from agora_pulumi.identity import SettingIdentity
from agora_pulumi.kinds import CUSTOM, LEGACY, STANDARD, SettingKind
from agora_pulumi.testing.emulator import EmulatorHandle, running_emulator
from tests.support import StandInHandler, stand_in

REPO = Path(__file__).resolve().parents[1]
APP = "0123456789abcdef"
AK, SK = "AKIAadoptUnitAccess01", "adoptUnitSecretValue01xyz"


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def adopt(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """``adopt(*args, env={...})``: run ``cli.main(["adopt", ...])`` in-process with only these AGORA_* variables."""
    monkeypatch.chdir(REPO)

    def call(*args: str, env: Mapping[str, str] = {}) -> Run:  # noqa: B006 - read only
        for key in [k for k in os.environ if k.startswith("AGORA_")]:
            monkeypatch.delenv(key)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        try:
            code = cli.main(["adopt", *args])
        except SystemExit as exc:  # argparse's own usage errors
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return Run(code, out, err)

    return call


def env_for(url: str, **extra: str) -> dict[str, str]:
    return {
        "AGORA_ENDPOINT": url, "AGORA_CUSTOMER_ID": "demo-customer-id", "AGORA_CUSTOMER_SECRET": "demo-customer-secret",
        "AGORA_RETRY_BACKOFF_SECONDS": "0.01", "AGORA_RETRY_JITTER_SECONDS": "0", "AGORA_MAX_RETRIES": "1", **extra,
    }


@pytest.fixture
def emu() -> Iterator[EmulatorHandle]:
    with running_emulator(entry_points=[f"{APP}/live"]) as handle:
        yield handle


def patch(emu: EmulatorHandle, region: str, body: dict[str, Any]) -> None:
    client = AgoraClient(ClientConfig.from_sources(lambda _k: None, env_for(emu.url)))
    client.patch_setting(SettingIdentity(APP, "live", region), body)
    client.close()


# --- keys Agora did not return --------------------------------------------------------------------------


class _Canned(StandInHandler):
    """A stand-in Agora whose GET answers carry masked or no keys (the emulator always returns them)."""

    answers: dict[str, Any] = {}

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.answer_json(200, self.answers[self.path.rsplit("/", 1)[1]])


@pytest.fixture
def canned() -> Iterator[str]:
    _Canned.answers = {
        "cn": {"enabled": True, "enableModeration": False, "snapshotInterval": 20, "storageConfig": {
            "vendor": 2, "region": 1, "bucket": "masked-cn", "accessKey": "LTAI***xyz", "secretKey": SK}},
        "ap": {"enabled": True, "enableModeration": False, "snapshotInterval": 20, "storageConfig": {
            "vendor": 3, "region": 10, "bucket": "nokeys-1250000000"}},
    }
    with stand_in(_Canned) as url:
        yield url


def test_keys_agora_did_not_return_get_a_placeholder_and_are_named(adopt: Any, canned: str, tmp_path: Path) -> None:
    keys = tmp_path / "keys.sh"
    run = adopt("--app-id", APP, "--entry-point", "live", "--regions", "cn,ap", "--keys-file", str(keys),
                env=env_for(canned))
    assert run.code == 0, run.err
    assert SK not in run.out + run.err and SK[:8] not in run.out + run.err
    ns = "agora-snapshots:storageProfiles"
    assert f"storage keys returned by Agora (1): {ns}.aliyun-masked-cn.secretKey." in run.err
    assert (
        f"storage keys NOT returned by Agora (3): {ns}.aliyun-masked-cn.accessKey, "
        f"{ns}.tencent-nokeys-1250000000.accessKey, {ns}.tencent-nokeys-1250000000.secretKey; get them from the "
        "bucket's owner." in run.err
    )
    assert (
        f"#   pulumi config set --secret --path '{ns}.aliyun-masked-cn.accessKey'   "
        "# <accessKey of Aliyun OSS bucket masked-cn> (NOT returned by Agora: you must supply it)" in run.out
    )
    assert "Agora returned 1 of 4 keys" in run.out
    script = keys.read_text()
    assert script.count("| pulumi config set") == 1 and f"'{SK}'" in script
    assert f"#   pulumi config set --secret --path '{ns}.tencent-nokeys-1250000000.secretKey'" in script


# --- 404, errors, arguments -------------------------------------------------------------------------------


def test_gone_entry_point_is_skipped_with_a_message(adopt: Any, emu: EmulatorHandle) -> None:
    run = adopt("--app-id", APP, "--entry-point", "old", "--entry-point", "live", "--regions", "eu",
                env=env_for(emu.url))
    assert run.code == 0, run.err
    assert f"adopt: entry point 'old' of app '{APP}' does not exist at Agora (404): skipped." in run.err
    entry_points = yaml.safe_load(run.out)["config"]["agora-snapshots:entryPoints"]
    assert [e["name"] for e in entry_points] == ["live"]
    assert len(emu.api_requests("GET")) == 2  # one for old (then no more regions), one for live


def test_nothing_to_adopt_is_an_error(adopt: Any, emu: EmulatorHandle) -> None:
    run = adopt("--app-id", APP, "--entry-point", "old", env=env_for(emu.url))
    assert run.code == 2 and run.out == ""
    assert "nothing to adopt" in run.err


def test_an_api_error_stops_with_the_clients_message_and_no_secret(adopt: Any, emu: EmulatorHandle) -> None:
    run = adopt("--app-id", APP, "--entry-point", "live", env=env_for(emu.url, AGORA_CUSTOMER_SECRET="wrong-secret-123"))
    assert run.code == 2 and run.out == ""
    assert "Reading snapshot setting 0123456789abcdef/live/cn failed." in run.err
    assert "HTTP 401" in run.err
    assert "wrong-secret-123" not in run.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--app-id", "", "--entry-point", "live"], "--app-id "),
        (["--app-id", "a b", "--entry-point", "live"], "--app-id "),
        (["--app-id", APP, "--entry-point", "li/ve"], "--entry-point "),
        (["--app-id", APP, "--entry-point", "live", "--regions", "cn,us"], "--regions: "),
        (["--app-id", APP, "--entry-point", "live", "--regions", "cn,CN"], "--regions: 'cn' is listed twice"),
        (["--app-id", APP, "--entry-point", "live", "--stack-config", "/nonexistent/Pulumi.x.yaml"],
         "--stack-config /nonexistent/Pulumi.x.yaml: cannot read it"),
        (["--app-id", APP], "the following arguments are required: --entry-point"),
        (["--app-id", APP, "--entry-point", "live", "--format", "json"], "invalid choice: 'json'"),
    ],
)
def test_bad_arguments_are_clear_errors(adopt: Any, args: list[str], message: str) -> None:
    run = adopt(*args, env=env_for("http://127.0.0.1:9"))
    assert run.code == 2 and run.out == ""
    assert message in run.err


def test_missing_credentials_name_the_variable(adopt: Any) -> None:
    run = adopt("--app-id", APP, "--entry-point", "live", env={"AGORA_ENDPOINT": "http://127.0.0.1:9"})
    assert run.code == 2
    assert "AGORA_CUSTOMER_ID" in run.err and "--stack-config" in run.err


def test_stack_config_plain_values_are_used_and_secure_ones_fall_back_to_the_environment(
    adopt: Any, emu: EmulatorHandle, tmp_path: Path
) -> None:
    stack = tmp_path / "Pulumi.prod.yaml"
    stack.write_text(
        "config:\n"
        f"  agora:endpoint: {emu.url}\n"
        "  agora:customerId: demo-customer-id\n"
        "  agora:customerSecret:\n    secure: AAABAHRoaXMgaXMgbm90IHJlYWw=\n"
        "  agora:maxRetries: 1\n"
        "  agora-snapshots:entryPoints: [live]\n"
    )
    run = adopt("--app-id", APP, "--entry-point", "live", "--regions", "cn", "--stack-config", str(stack),
                env={"AGORA_CUSTOMER_SECRET": "demo-customer-secret", "AGORA_ENDPOINT": "http://127.0.0.1:9"})
    assert run.code == 0, run.err
    assert "encrypted" not in run.err  # the README's way (AGORA_CUSTOMER_SECRET set): nothing to note
    assert len(emu.api_requests("GET")) == 1  # the stack's endpoint beat AGORA_ENDPOINT

    without = adopt("--app-id", APP, "--entry-point", "live", "--stack-config", str(stack), env={})
    assert without.code == 2 and "No Agora customer secret" in without.err
    assert (
        "adopt: agora:customerSecret is encrypted in Pulumi.prod.yaml (secure:) and only the Pulumi CLI can decrypt "
        "it: using AGORA_CUSTOMER_SECRET from the environment instead" in without.err
    )


def test_settings_read_as_never_configured_suggest_the_other_apis(adopt: Any, emu: EmulatorHandle) -> None:
    run = adopt("--app-id", APP, "--entry-point", "live", "--regions", "cn", env=env_for(emu.url))
    assert run.code == 0, run.err
    assert ("(--skip-unconfigured leaves them out). Each API path is a separate setting at Agora: if these entry "
            "points are configured on another one, run adopt again with --api standard or --api custom.") in run.err


def test_storage_outside_its_push_region_cannot_be_a_fleet_but_can_be_python(adopt: Any, emu: EmulatorHandle) -> None:
    patch(emu, "eu", {"enabled": True, "storageConfig": {
        "vendor": 2, "region": 1, "bucket": "shanghai-bucket", "accessKey": AK, "secretKey": SK}})
    fleet = adopt("--app-id", APP, "--entry-point", "live", "--regions", "eu", env=env_for(emu.url))
    assert fleet.code == 2 and fleet.out == ""
    assert "cannot be written as a fleet config" in fleet.err and "--format python" in fleet.err
    assert AK not in fleet.err and SK not in fleet.err
    python = adopt("--app-id", APP, "--entry-point", "live", "--regions", "eu", "--format", "python",
                   env=env_for(emu.url))
    assert python.code == 0, python.err


# --- formats ----------------------------------------------------------------------------------------------


def test_python_format_compiles_and_reads_every_key_from_secret_config(
    adopt: Any, emu: EmulatorHandle, tmp_path: Path
) -> None:
    patch(emu, "cn", {"enabled": True, "snapshotInterval": 15, "storageConfig": {
        "vendor": 2, "region": 1, "bucket": "py-snaps", "accessKey": AK, "secretKey": SK}})
    output = tmp_path / "adopted.py"
    run = adopt("--app-id", APP, "--entry-point", "live", "--regions", "cn,na", "--format", "python",
                "--output", str(output), env=env_for(emu.url))
    assert run.code == 0, run.err
    assert run.out == ""
    source = output.read_text()
    assert AK not in source + run.err and SK not in source + run.err
    compile(source, str(output), "exec")
    assert "from agora_pulumi import SnapshotSetting, StorageConfigArgs" in source
    assert source.count("SnapshotSetting(\n") == 2
    assert "cfg = pulumi.Config('agora-snapshots')" in source
    assert "access_key=cfg.require_secret('aliyunPySnapsAccessKey')" in source
    assert "secret_key=cfg.require_secret('aliyunPySnapsSecretKey')" in source
    assert "#   pulumi config set --secret 'agora-snapshots:aliyunPySnapsAccessKey'" in source
    assert "    '0123456789abcdef/live/cn',\n" in source and "snapshot_interval=15," in source
    assert "    '0123456789abcdef/live/na',\n" in source and "enabled=False," in source


def reader(answers: Mapping[str, Mapping[str, Any]]) -> Any:
    def read(identity: SettingIdentity, kind: SettingKind) -> Mapping[str, Any]:
        if identity.entry_point not in answers:
            raise NotFoundError(method="GET", path="/x", status=404)
        return answers[identity.entry_point]

    return read


CUSTOM_ANSWER = {"enabled": True, "snapshotInterval": 10, "enableModeration": True, "storageConfig": {
    "vendor": 7, "region": 6, "bucket": "huawei-hk", "accessKey": AK, "secretKey": SK}}


@pytest.mark.parametrize("kind", [CUSTOM, STANDARD])
def test_current_apis_write_their_own_resource_and_api_field(kind: SettingKind) -> None:
    reading = read_live(reader({"live": CUSTOM_ANSWER}), APP, ["live"], ["ap"], kind)
    fleet = render_fleet(reading.settings, APP, kind)
    config = yaml.safe_load(fleet.text)["config"]
    (entry,) = config["agora-snapshots:entryPoints"]
    assert entry["api"] == kind.name
    python = render_python(reading.settings, APP, kind, "agora-snapshots")
    compile(python.text, "adopted.py", "exec")
    assert f"{kind.resource}(\n    '{kind.name}:{APP}/live/ap'," in python.text
    if kind is CUSTOM:
        assert config["agora-snapshots:storageProfiles"] == {
            "custom-huawei-huawei-hk": {"vendor": 7, "region": 6, "bucket": "huawei-hk", "api": "custom"}
        }
        assert "storage_config=StorageConfigArgs(" in python.text
    else:  # standard takes no storage: none is written, and the answer's is noted as ignored
        assert config["agora-snapshots:storageProfiles"] == {} and "storage" not in entry
        assert "storageConfig" in reading.notes[0] and "ignored" in reading.notes[0]
        assert "StorageConfigArgs" not in python.text and fleet.keys == []
    assert AK not in fleet.text + python.text and SK not in fleet.text + python.text


def test_skip_unconfigured_leaves_out_settings_that_read_as_defaults() -> None:
    unconfigured = {"enabled": False, "enableModeration": False, "snapshotInterval": 10}
    reading = read_live(reader({"a": unconfigured}), APP, ["a"], ["cn", "ap"], LEGACY, skip_unconfigured=True)
    assert reading.settings == [] and len(reading.notes) == 2
    kept = read_live(reader({"a": unconfigured}), APP, ["a"], ["cn"], LEGACY)
    assert kept.settings[0].unconfigured and kept.settings[0].enabled is False


def test_an_answer_that_cannot_be_reproduced_is_refused() -> None:
    with pytest.raises(AdoptError, match="snapshotInterval"):
        read_live(reader({"a": {"enabled": True, "snapshotInterval": "30"}}), APP, ["a"], ["cn"], LEGACY)
    with pytest.raises(AdoptError, match="without a bucket"):
        read_live(reader({"a": {"enabled": True, "storageConfig": {"vendor": 2, "region": 1}}}), APP, ["a"], ["cn"])


def test_python_config_keys_stay_distinct_when_profile_names_camelcase_alike() -> None:
    """Two key pairs for bucket ``my-bucket`` and one for ``my-bucket2`` give profile names that camelCase
    to the same stem; each profile must still read its own keys (else one setting would get another's)."""
    def answer(bucket: str, n: int) -> dict[str, Any]:
        return {"enabled": True, "snapshotInterval": 10, "enableModeration": False, "storageConfig": {
            "vendor": 0, "region": 0, "bucket": bucket, "accessKey": f"AK-collide-{n:04d}",
            "secretKey": f"SK-collide-{n:04d}"}}

    reading = read_live(reader({"a": answer("my-bucket", 1), "b": answer("my-bucket", 2), "c": answer("my-bucket2", 3)}),
                        APP, ["a", "b", "c"], ["cn"], LEGACY)
    python = render_python(reading.settings, APP, LEGACY, "agora-snapshots")
    config_keys = [k.config_key for k in python.keys]
    assert len(config_keys) == len(set(config_keys)) == 6
    read_keys = re.findall(r"cfg\.require_secret\('([^']+)'\)", python.text)
    assert len(set(read_keys)) == 6  # three settings, each reading its own two keys


# --- hostile input, second round (issue 20, items 13, 14, 16, 17) -----------------------------------------


INJECTED_APP = '0123"""+__import__("os").getcwd()+"""'
"""An App ID the URL-path rule accepts (no whitespace, no / \\ ? # %) that closed the docstring before."""


def module_of(source: str) -> list[str]:
    """The generated module as the statement kinds Python sees, with its docstring."""
    body = ast.parse(source).body
    return [type(node).__name__ for node in body]


def test_python_output_keeps_a_hostile_app_id_inside_the_docstring(adopt: Any, canned: str) -> None:
    """Before: the docstring ended at the App ID's ``\"\"\"`` and ``__import__("os")...`` ran on import."""
    _Canned.answers = {"cn": {"enabled": True, "enableModeration": False, "snapshotInterval": 20}}
    run = adopt("--app-id", INJECTED_APP, "--entry-point", "live", "--regions", "cn", "--format", "python",
                env=env_for(canned))
    assert run.code == 0, run.err
    tree = ast.parse(run.out)
    assert module_of(run.out) == ["Expr", "Import", "ImportFrom", "Assign", "Expr"]
    docstring = ast.get_docstring(tree, clean=False)
    assert docstring is not None and f"app {INJECTED_APP})." in docstring
    call = tree.body[-1]
    assert isinstance(call, ast.Expr) and isinstance(call.value, ast.Call)
    assert [k.arg for k in call.value.keywords][:1] == ["app_id"]
    assert ast.literal_eval(call.value.keywords[0].value) == INJECTED_APP


def test_the_python_guard_refuses_a_module_with_code() -> None:
    reading = read_live(reader({"live": CUSTOM_ANSWER}), APP, ["live"], ["ap"], CUSTOM)
    text = render_python(reading.settings, APP, CUSTOM, "agora-snapshots").text
    docstring = ast.get_docstring(ast.parse(text), clean=False)
    assert docstring is not None
    check_python_module(text, docstring)  # the real output passes
    for code in ("import os\n", "os = 1\n", "print(cfg.get('x'))\n", "cfg.require_secret(open('x').read())\n",
                 "from agora_pulumi import SnapshotSetting as print\n"):
        with pytest.raises(AdoptError, match="could not be written safely"):
            check_python_module(text + code, docstring)
    with pytest.raises(AdoptError, match="could not be written safely"):
        check_python_module(text, docstring + "x")


@pytest.mark.parametrize("fmt", ["python", "fleet"])
@pytest.mark.parametrize("project", ["ns\nimport os", "my proj: x", "", "a" * 101, "café"])
def test_a_project_that_is_no_pulumi_project_name_is_refused(adopt: Any, canned: str, fmt: str, project: str) -> None:
    """Before: a newline wrote statements into the Python output; ``my proj: x`` ended in a YAML traceback."""
    _Canned.answers = {"cn": {"enabled": True, "enableModeration": False, "snapshotInterval": 20}}
    run = adopt("--app-id", APP, "--entry-point", "live", "--regions", "cn", "--format", fmt, "--project", project,
                env=env_for(canned))
    assert run.code == 2 and run.out == ""
    assert "--project is not a Pulumi project name: use 1-100 ASCII letters, digits, hyphens, underscores and " \
        "periods (the `name` in Pulumi.yaml); got " in run.err


def test_a_pulumi_yaml_name_that_is_no_project_name_is_refused(
    adopt: Any, canned: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "Pulumi.yaml").write_text('name: "ns\\nimport os"\nruntime: python\n')
    monkeypatch.chdir(tmp_path)
    _Canned.answers = {"cn": {"enabled": True, "enableModeration": False, "snapshotInterval": 20}}
    run = adopt("--app-id", APP, "--entry-point", "live", "--regions", "cn", "--format", "python", env=env_for(canned))
    assert run.code == 2 and run.out == ""
    assert f"the name in {tmp_path / 'Pulumi.yaml'} is not a Pulumi project name" in run.err
    assert "or pass --project NAME" in run.err


@pytest.fixture
def with_keys(emu: EmulatorHandle) -> EmulatorHandle:
    patch(emu, "cn", {"enabled": True, "storageConfig": {
        "vendor": 2, "region": 1, "bucket": "keys-cn", "accessKey": AK, "secretKey": SK}})
    return emu


def test_output_and_keys_file_on_one_path_are_refused(adopt: Any, with_keys: EmulatorHandle, tmp_path: Path) -> None:
    """Before: exit 0, "run bash F to set 2 keys", and F held the declarations: the keys were gone."""
    target = tmp_path / "adopted.yaml"
    for output in (str(target), f"{tmp_path}/./adopted.yaml"):
        run = adopt("--app-id", APP, "--entry-point", "live", "--regions", "cn", "--keys-file", str(target),
                    "--output", output, env=env_for(with_keys.url))
        assert run.code == 2 and "are the same file: the declarations would replace the keys" in run.err
        assert not target.exists() and with_keys.api_requests("GET") == []


def test_an_existing_output_is_kept_unless_forced(adopt: Any, with_keys: EmulatorHandle, tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.prod.yaml"
    stack.write_text("encryptionsalt: v1:keep-me\n")
    args = ("--app-id", APP, "--entry-point", "live", "--regions", "cn", "--output", str(stack))
    run = adopt(*args, env=env_for(with_keys.url))
    assert run.code == 2 and f"--output {stack} already exists" in run.err and "--force" in run.err
    assert stack.read_text() == "encryptionsalt: v1:keep-me\n"
    forced = adopt(*args, "--force", env=env_for(with_keys.url))
    assert forced.code == 0, forced.err
    assert "agora-snapshots:entryPoints" in stack.read_text()


def test_output_never_follows_a_symlink(adopt: Any, with_keys: EmulatorHandle, tmp_path: Path) -> None:
    """Before: the declarations were written through the link into the stack file it points at."""
    stack = tmp_path / "Pulumi.prod.yaml"
    stack.write_text("encryptionsalt: v1:keep-me\n")
    link = tmp_path / "adopted.yaml"
    link.symlink_to(stack)
    args = ("--app-id", APP, "--entry-point", "live", "--regions", "cn", "--output", str(link))
    run = adopt(*args, env=env_for(with_keys.url))
    assert run.code == 2 and "already exists" in run.err
    forced = adopt(*args, "--force", env=env_for(with_keys.url))
    assert forced.code == 0, forced.err
    assert stack.read_text() == "encryptionsalt: v1:keep-me\n"
    assert not link.is_symlink() and "agora-snapshots:entryPoints" in link.read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


@pytest.mark.parametrize("bad", [" " + SK, SK + " ", SK + "\n", "\t" + SK])
def test_a_key_the_provider_would_refuse_is_not_adopted_as_returned(
    adopt: Any, canned: str, tmp_path: Path, bad: str
) -> None:
    """Before: written to the keys file as fine, while the provider's check refuses surrounding whitespace."""
    _Canned.answers = {"cn": {"enabled": True, "enableModeration": False, "snapshotInterval": 20, "storageConfig": {
        "vendor": 2, "region": 1, "bucket": "spaced-cn", "accessKey": AK, "secretKey": bad}}}
    keys = tmp_path / "keys.sh"
    run = adopt("--app-id", APP, "--entry-point", "live", "--regions", "cn", "--keys-file", str(keys),
                env=env_for(canned))
    assert run.code == 0, run.err
    ns = "agora-snapshots:storageProfiles"
    assert f"storage keys NOT returned by Agora (1): {ns}.aliyun-spaced-cn.secretKey;" in run.err
    assert "NOT returned by Agora (absent, masked or unusable)" in run.out
    script = keys.read_text()
    assert script.count("| pulumi config set") == 1 and SK not in script and f"'{AK}'" in script


# --- --format import: the file `pulumi import --file` takes ----------------------------------------------


def test_import_format_writes_one_native_entry_per_setting_and_no_key(
    adopt: Any, emu: EmulatorHandle, tmp_path: Path
) -> None:
    patch(emu, "cn", {"enabled": True, "snapshotInterval": 15, "storageConfig": {
        "vendor": 2, "region": 1, "bucket": "imp-snaps", "accessKey": AK, "secretKey": SK}})
    patch(emu, "ap", {"enabled": True, "snapshotInterval": 30})
    patch(emu, "eu", {"enabled": False, "snapshotInterval": 20, "enableModeration": True})
    output, keys = tmp_path / "import.json", tmp_path / "keys.sh"
    run = adopt("--app-id", APP, "--entry-point", "live", "--format", "import", "--skip-unconfigured",
                "--output", str(output), "--keys-file", str(keys), env=env_for(emu.url))
    assert run.code == 0, run.err
    text = output.read_text()
    assert json.loads(text) == {"resources": [
        {"type": "agora:fls:SnapshotSetting", "name": f"{APP}/live/{region}", "id": f"{APP}/live/{region}"}
        for region in ("cn", "ap", "eu")  # na reads as never configured: skipped
    ]}
    for needle in (AK, SK, AK[:8], SK[:8], "storageConfig", "accessKey"):
        assert needle not in text + run.out
    assert AK not in run.err and SK not in run.err
    assert f"{APP}/live/na: reads as never configured (disabled, defaults): skipped." in run.err
    assert "adopted 3 snapshot setting(s) as `pulumi import --file` entries" in run.err
    assert "1 setting(s) hold a storage config at Agora: `pulumi import` leaves it out of the code" in run.err
    assert f"then `pulumi import --file {output}` in the program's project reads each setting" in run.err
    # The keys follow as before: a 0600 script with the values Agora returned, config keys as for Python.
    assert "pulumi config set --secret 'agora-snapshots:aliyunImpSnapsAccessKey'" in keys.read_text()
    assert AK in keys.read_text() and oct(keys.stat().st_mode & 0o777) == "0o600"


def test_import_format_prints_the_key_commands_without_values(adopt: Any, emu: EmulatorHandle) -> None:
    patch(emu, "cn", {"enabled": True, "storageConfig": {
        "vendor": 2, "region": 1, "bucket": "imp-snaps", "accessKey": AK, "secretKey": SK}})
    run = adopt("--app-id", APP, "--entry-point", "live", "--regions", "cn", "--format", "import",
                "--api", "legacy", env=env_for(emu.url))
    assert run.code == 0, run.err
    assert json.loads(run.out)["resources"][0]["id"] == f"{APP}/live/cn"
    assert "adopt:   pulumi config set --secret 'agora-snapshots:aliyunImpSnapsAccessKey'   # <accessKey of " in run.err
    assert AK not in run.out + run.err and SK not in run.out + run.err


@pytest.mark.parametrize("kind", [STANDARD, CUSTOM])
def test_import_format_names_the_current_apis_as_the_fleet_program_does(kind: SettingKind) -> None:
    from agora_pulumi.adopt import render_import

    reading = read_live(reader({"live": CUSTOM_ANSWER}), APP, ["live"], ["cn"], kind)
    entries = json.loads(render_import(reading.settings, "infra").text)["resources"]
    assert entries == [{"type": f"agora:fls:{kind.resource}", "name": f"{kind.name}:{APP}/live/cn", "id": f"{APP}/live/cn"}]


def test_each_import_entry_read_like_pulumi_import_gives_inputs_that_pass_check_without_a_key(
    adopt: Any, emu: EmulatorHandle, tmp_path: Path
) -> None:
    """What `pulumi import --file` does with each entry: Read by id with no state, then Check the inputs it
    writes into code; the engine is stood in for by NativeProviderServer."""
    from agora_pulumi.testing.native import NativeProviderServer, unwrap
    from tests.native.conftest import configure
    from tests.support import clean_env

    patch(emu, "cn", {"enabled": True, "snapshotInterval": 15, "storageConfig": {
        "vendor": 2, "region": 1, "bucket": "imp-snaps", "accessKey": AK, "secretKey": SK}})
    patch(emu, "ap", {"enabled": True, "snapshotInterval": 30, "enableModeration": True})
    output = tmp_path / "import.json"
    run = adopt("--app-id", APP, "--entry-point", "live", "--regions", "cn,ap", "--format", "import",
                "--output", str(output), env=env_for(emu.url))
    assert run.code == 0, run.err
    emu.clear_requests()
    with NativeProviderServer(env=clean_env()) as srv:
        configure(srv, emu.url)
        for entry in json.loads(output.read_text())["resources"]:
            resource = entry["type"].rsplit(":", 1)[1]
            read_id, _state, inputs = srv.read(resource, entry["id"], name=entry["name"])
            assert read_id == entry["id"]
            checked, failures = srv.check(resource, inputs, name=entry["name"])
            assert failures == [], entry
            for needle in (AK, SK, "accessKey", "secretKey"):
                assert needle not in json.dumps(inputs) + json.dumps(unwrap(checked)), entry
            assert inputs.get("storageConfig") is None  # Agora keeps it; the code would hold its keys
            assert unwrap(checked)["snapshotInterval"] == (15 if entry["id"].endswith("/cn") else 30)
    assert [r["method"] for r in emu.api_requests()] == ["GET", "GET"]  # a Read only: nothing written

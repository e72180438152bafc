"""What the pack's own process loads: ``__main__.py`` run exactly as ``python -m pulumi.policy`` runs it.

The rule is that the analyzer process never imports the provider, its HTTP client, the resource module or
the emulator: a policy pack judges declared inputs and must not depend on the code that applies them. The
package's lazy ``__init__`` keeps ``import agora_pulumi.policy.policies`` down to the pure data modules
(``regions``, ``names``, ``rules``, ``kinds``); these tests catch any regression.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from policy_harness import PACK_DIR, PACK_NAME

from agora_pulumi import TYPE_TOKEN
from agora_pulumi.policy import policies

# A fresh interpreter, PolicyPack replaced by a recorder (so no server starts), then the same runpy call that
# pulumi/policy/__main__.py makes with the pack directory.
PROBE = textwrap.dedent(
    """
    import json, runpy, sys
    import pulumi_policy

    built = []

    class RecordingPolicyPack:
        def __init__(self, name, policies, enforcement_level=None, **kwargs):
            built.append({"name": name, "policies": [p.name for p in policies], "kwargs": sorted(kwargs)})

    pulumi_policy.PolicyPack = RecordingPolicyPack
    runpy.run_path(sys.argv[1], run_name="__main__")
    print(json.dumps({
        "built": built,
        "agora_modules": sorted(m for m in sys.modules if m == "agora_pulumi" or m.startswith("agora_pulumi.")),
        "requests": "requests" in sys.modules,
    }))
    """
)


def run_probe() -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(PACK_DIR)], cwd=PACK_DIR, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_main_only_builds_the_pack_from_the_policies_module() -> None:
    result = run_probe()
    assert result["built"] == [
        {
            "name": PACK_NAME,
            "policies": [p.name for p in policies.ALL_POLICIES],
            "kwargs": ["description"],
        }
    ]


def test_pack_process_never_imports_provider_resource_client_or_emulator() -> None:
    result = run_probe()
    loaded = set(result["agora_modules"])  # type: ignore[arg-type]
    assert {"agora_pulumi.policy.policies", "agora_pulumi.regions"} <= loaded
    forbidden = {"provider", "client", "resource", "emulator", "engine_harness", "program", "fleet"}
    assert not {m for m in loaded if m.split(".")[1:2] and m.split(".")[1] in forbidden}, loaded
    # The provider's HTTP stack stays out too. (dill is no signal: ``import pulumi`` itself loads it.)
    assert result["requests"] is False


def test_pack_process_imports_only_pure_modules() -> None:
    """An allow-list, so a new module (fleet, cli, adopt...) cannot slip in unnoticed: the policies read the
    type tokens from ``kinds``, the tables from ``regions``, names from ``names``, coercion from ``rules``."""
    loaded = set(run_probe()["agora_modules"])  # type: ignore[arg-type]
    pure = {f"agora_pulumi.{m}" for m in ("_version", "regions", "names", "rules", "model", "identity", "kinds")}
    pack = {"agora_pulumi.policy", "agora_pulumi.policy.pack", "agora_pulumi.policy.policies"}
    assert loaded - {"agora_pulumi"} - pure - pack == set()
    assert "agora_pulumi.kinds" in loaded


def test_type_token_matches_the_resource() -> None:
    assert policies.SNAPSHOT_SETTING_TYPE == TYPE_TOKEN

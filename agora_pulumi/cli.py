"""``agora-pulumi`` / ``python -m agora_pulumi``: the package's command line.

Each subcommand is a function that adds its parser to the ``COMMANDS`` list's subparsers and sets
``handler`` (``args -> exit status``); adding one (say ``adopt``) means writing that function and appending it
to :data:`COMMANDS`. Handlers raise :class:`CommandError` for anything the user can fix: :func:`main` prints
its message (which names the fix) and exits 2, without a traceback. Subcommand modules are imported inside
the handlers, so ``--help`` and the other commands never import Pulumi.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

AddCommand = Callable[[Any], None]
"""Adds one subcommand to the subparsers it is given (typed ``Any``: argparse's action class is private)."""


class CommandError(Exception):
    """A request the command cannot carry out; the message is shown as is and should say what to do."""


def _policy_new(args: argparse.Namespace) -> int:
    from agora_pulumi.policy import scaffold

    try:
        written = scaffold.write_pack(Path(args.directory), force=args.force)
    except scaffold.PackError as err:
        raise CommandError(str(err)) from None
    shown = args.directory
    print(f"Wrote the {scaffold.PACK_NAME} policy pack to {written.directory}:")
    print(f"  PulumiPolicy.yaml   runs {written.python} (virtualenv: {written.virtualenv})")
    print(f"  __main__.py         serves the policies of agora-pulumi {written.agora_pulumi_version} installed there")
    print("  policy-config.json  every policy at its default level; edit and pass with --policy-pack-config")
    print("Commit the directory, then:")
    print(f"  pulumi preview --policy-pack {shown}")
    print(f"  pulumi preview --policy-pack {shown} --policy-pack-config {Path(shown) / 'policy-config.json'}")
    return 0


def add_policy(subparsers: Any) -> None:
    policy = subparsers.add_parser("policy", help="the agora-fls-snapshot CrossGuard policy pack")
    actions = policy.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    new = actions.add_parser(
        "new",
        help="write a policy pack directory for your infra repository",
        description="Write PulumiPolicy.yaml, __main__.py and policy-config.json into DIRECTORY. The pack runs "
        "with the virtualenv of the Python running this command, which must have agora-pulumi installed.",
    )
    new.add_argument("directory", metavar="DIRECTORY", help="where to write the pack, e.g. ./policy")
    new.add_argument("--force", action="store_true", help="overwrite the pack's files in a non-empty DIRECTORY")
    new.set_defaults(handler=_policy_new)


def _adopt(args: argparse.Namespace) -> int:
    from agora_pulumi import adopt

    try:
        return adopt.run(args, os.environ, sys.stdout, sys.stderr)
    except adopt.AdoptError as err:
        raise CommandError(str(err)) from None


def add_adopt(subparsers: Any) -> None:
    adopt = subparsers.add_parser(
        "adopt",
        help="write declarations for snapshot settings that already exist at Agora",
        description="Read live snapshot settings with the provider's client (agora:* from --stack-config, then "
        "AGORA_* variables) and write the fleet stack config or Python declarations that reproduce them, so the "
        "next `pulumi up` changes nothing at Agora, or the file `pulumi import --file` takes. Storage keys are never printed: the output has "
        "`pulumi config set --secret` commands for them.",
    )
    adopt.add_argument("--app-id", required=True, help="the App ID of the entry points")
    adopt.add_argument(
        "--entry-point", required=True, action="append", metavar="NAME", help="an entry point to adopt (repeatable)"
    )
    adopt.add_argument(
        "--regions", default="cn,ap,na,eu", metavar="LIST", help="comma-separated push regions (default: cn,ap,na,eu)"
    )
    adopt.add_argument(
        "--api", choices=("legacy", "standard", "custom"), default="legacy",
        help="which API to read and which resource to write: legacy (SnapshotSetting, default), standard, custom",
    )
    adopt.add_argument(
        "--format", choices=("fleet", "python", "import"), default="fleet",
        help="fleet: the agora-snapshots:* stack config (default); python: SnapshotSetting(...) declarations; "
        "import: the file `pulumi import --file` takes (native agora:fls:* resources, code in any language)",
    )
    adopt.add_argument(
        "--output", metavar="FILE",
        help="write the declarations to a new FILE (default: stdout); an existing one is refused without --force",
    )
    adopt.add_argument(
        "--force", action="store_true",
        help="replace an existing --output FILE (a symlink is replaced itself, never written through)",
    )
    adopt.add_argument(
        "--keys-file", metavar="FILE",
        help="also write a new mode-0600 script that sets the storage keys Agora returned (never printed otherwise)",
    )
    adopt.add_argument(
        "--stack-config", metavar="FILE",
        help="a Pulumi.<stack>.yaml whose plain agora:* values configure the client (encrypted ones cannot be read)",
    )
    adopt.add_argument(
        "--project", metavar="NAME",
        help="the config namespace (default: the name in ./Pulumi.yaml, else agora-snapshots)",
    )
    adopt.add_argument(
        "--skip-unconfigured", action="store_true",
        help="leave out settings that read as never configured (disabled, interval 10, no moderation, no storage)",
    )
    adopt.set_defaults(handler=_adopt)


def _provider_new(args: argparse.Namespace) -> int:
    from agora_pulumi.native import plugin

    try:
        written = plugin.write_plugin(
            Path(args.directory), requirement=args.requirement, venv=not args.no_venv, force=args.force
        )
    except plugin.PluginError as err:
        raise CommandError(str(err)) from None
    shown = args.directory
    print(f"Wrote the agora provider plugin to {written.directory}:")
    print("  PulumiPlugin.yaml, __main__.py   the native provider of the installed agora-pulumi")
    print(f"  requirements.txt                 {written.requirement} (and the installed pulumi SDK)")
    if written.venv is not None:
        print(f"  venv/                            reaches {written.python}'s packages (not to be committed)")
    print("Then, in a Pulumi project of any language:")
    print(f"  pulumi package add {shown}        # TypeScript, Python, Go, .NET, Java: generates the SDK")
    print(f"  packages: {{agora: {shown}}}       # YAML: in Pulumi.yaml, no SDK needed")
    return 0


def add_provider(subparsers: Any) -> None:
    provider = subparsers.add_parser("provider", help="the agora native provider for every Pulumi language")
    actions = provider.add_subparsers(dest="provider_command", required=True, metavar="ACTION")
    new = actions.add_parser(
        "new",
        help="write the plugin directory the Pulumi CLI runs the native provider from",
        description="Write PulumiPlugin.yaml, __main__.py, requirements.txt and a venv into DIRECTORY. The venv "
        "reaches the agora-pulumi installed with the Python running this command (a wheel, a checkout or "
        "site-packages), so `pulumi package add`, `pulumi install` and `pulumi up` never download it.",
    )
    new.add_argument("directory", metavar="DIRECTORY", help="where to write the plugin, e.g. ./agora-provider")
    new.add_argument(
        "--requirement", metavar="SPEC",
        help="what requirements.txt installs agora-pulumi from when the venv is rebuilt elsewhere: a wheel path or "
        "a git URL, e.g. 'agora-pulumi @ git+https://example.com/agora-pulumi@v0.1.0' (default: agora-pulumi==VERSION)",
    )
    new.add_argument("--no-venv", action="store_true", help="write only the files to commit (no venv)")
    new.add_argument("--force", action="store_true", help="write over a plugin already in DIRECTORY")
    new.set_defaults(handler=_provider_new)


COMMANDS: list[AddCommand] = [add_policy, add_adopt, add_provider]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agora-pulumi", description="Tools for agora-pulumi (Agora FLS snapshot settings on Pulumi)."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(subparsers)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except CommandError as err:
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return 2

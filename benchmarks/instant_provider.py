"""The engine-alone baseline of ``benchmarks.native_scale``: the agora provider's schema and configuration,
answering every call at once, validating nothing and calling no API.

A run against it leaves only what the Pulumi engine (and the program's language host) costs for the same
program and the same state: with the file backend that is mostly rewriting the whole state after every step,
which grows with N. ``native_scale`` runs the same program against it so that the provider's own share of a
figure can be read off (real minus baseline) on whatever machine and CLI it runs on, instead of against an
engine cost measured elsewhere.

Served by a plugin directory whose ``__main__.py`` calls :func:`main` (see ``native_scale``); not part of the
package.
"""

from __future__ import annotations

from typing import Optional, Sequence

from pulumi.provider.experimental import provider as p

from agora_pulumi.native.provider import AgoraProvider
from agora_pulumi.native.serve import main as serve_main

_IDENTITY = ("appId", "entryPoint", "region")


class InstantProvider(AgoraProvider):
    """Echoes: Check returns the inputs as given, Create and Update return them as outputs, Diff names the
    top-level properties that differ (with a detailed diff, which the experimental server always claims)."""

    async def check(self, request: p.CheckRequest) -> p.CheckResponse:
        return p.CheckResponse(request.new_inputs, [])

    async def diff(self, request: p.DiffRequest) -> p.DiffResponse:
        changed = sorted(k for k, v in request.new_inputs.items() if request.old_state.get(k) != v)
        detailed = {k: p.PropertyDiff(p.PropertyDiffKind.UPDATE, True) for k in changed}
        return p.DiffResponse(changes=bool(changed), diffs=changed, detailed_diff=detailed)

    async def create(self, request: p.CreateRequest) -> p.CreateResponse:
        props = request.properties
        return p.CreateResponse("/".join(str(props[k].value) for k in _IDENTITY), props)

    async def update(self, request: p.UpdateRequest) -> p.UpdateResponse:
        return p.UpdateResponse(request.news)

    async def delete(self, request: p.DeleteRequest) -> None:
        return None


def main(argv: Optional[Sequence[str]] = None) -> None:
    serve_main(argv, make_provider=InstantProvider)

"""A TokenCredential for the local workspace (examples/localworkspace).

The local workspace accepts unsigned tokens whose audience matches the service
called, and writes one per audience into the files named by workspace.json
("tokenFiles": arm, ml, storage). This credential hands azure-ai-ml the one the
requested scope asks for, as a real credential would hand out Entra tokens.
"""

import base64
import json
import time

from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError

# Scope resource (without "/.default") -> token file key in workspace.json.
_AUDIENCES = {
    "https://management.azure.com": "arm",
    "https://management.core.windows.net": "arm",
    "https://ml.azure.com": "ml",
    "https://storage.azure.com": "storage",
}


def _resource(scope):
    if scope.endswith("/.default"):
        scope = scope[: -len("/.default")]
    return scope.rstrip("/")


def _expires_on(token):
    payload = token.split(".")[1]
    payload += "=" * (-len(payload) % 4)
    try:
        return int(json.loads(base64.urlsafe_b64decode(payload))["exp"])
    except (ValueError, KeyError):
        return int(time.time()) + 3600


class LocalWorkspaceCredential:
    """Returns the local workspace's token for the audience of the scope asked for."""

    def __init__(self, workspace_json):
        with open(workspace_json, encoding="utf-8") as f:
            self._files = json.load(f)["tokenFiles"]
        self.scopes = []  # every scope asked for, in order: what azure-ai-ml used

    def get_token(self, *scopes, claims=None, tenant_id=None, **kwargs):  # noqa: ARG002
        if len(scopes) != 1:
            raise ClientAuthenticationError(message=f"expected one scope, got {scopes!r}")
        self.scopes.append(scopes[0])
        key = _AUDIENCES.get(_resource(scopes[0]))
        if key is None:
            raise ClientAuthenticationError(message=f"the local workspace has no token for scope {scopes[0]!r}")
        with open(self._files[key], encoding="utf-8") as f:
            token = f.read().strip()
        return AccessToken(token, _expires_on(token))

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *args):
        pass

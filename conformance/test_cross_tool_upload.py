"""An upload by this module's Go SDK that azure-ai-ml then reuses, and the
reverse. Both tools upload local data to the datastore workspaceblobstore under
LocalUpload/<md5 of the content>/<name>/ and mark the first file (in sorted
order) with metadata upload_status=completed; the other tool finds the marker
and writes nothing.

"Nothing written" is read from storage itself: every blob under the upload's
folder keeps its ETag (a write of any kind, even of the same bytes or only of
metadata, gives a blob a new one), and no blob is added."""

import json
import os
import subprocess

import pytest
from azure.ai.ml.constants import AssetTypes
from azure.ai.ml.entities import Data
from azure.ai.ml._artifacts._artifact_utilities import get_datastore_info
from azure.ai.ml._utils._asset_utils import get_object_hash
from azure.storage.blob import ContainerClient

from conftest import DATASTORE, RUN, HeartData
from test_azure_ai_ml import datastore_path, read_files


@pytest.fixture(scope="module")
def container(ml_client, storage_host):
    """The default datastore's container, opened as azure-ai-ml opens it."""
    info = get_datastore_info(ml_client.datastores, DATASTORE)
    return ContainerClient(info["account_url"], info["container_name"], credential=info["credential"])


def blobs(container, prefix):
    """Blob name -> (ETag, metadata) of every blob under prefix."""
    return {b.name: (b.etag, dict(b.metadata or {}))
            for b in container.list_blobs(name_starts_with=prefix, include=["metadata"])}


def goupload(workspace, name, folder):
    """Creates data asset name version 1 from folder with the Go SDK
    (conformance/goupload); returns what it reports: path, skipped, filesDone,
    filesTotal."""
    exe = os.environ.get("CONFORMANCE_GOUPLOAD")
    if not exe:
        pytest.fail("CONFORMANCE_GOUPLOAD (a build of ./conformance/goupload) is not set: run the suite with "
                    ".ci/conformance", pytrace=False)
    # As a Go user sets up a program for the local workspace: Go's default
    # transport reads HTTPS_PROXY (set for the suite) and SSL_CERT_FILE.
    env = dict(os.environ, SSL_CERT_FILE=workspace["caBundle"])
    out = subprocess.run([exe, "-workspace", os.environ["CONFORMANCE_WORKSPACE"], "-name", name, "-version", "1",
                          "-path", str(folder)], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def fresh_folder(tmp_path, tag):
    """A folder named heart whose content no tool has uploaded yet."""
    data = HeartData(tmp_path / tag / "heart", files=2, rows=3)
    (data.folder / "run.txt").write_text(f"{RUN} {tag}\n", encoding="utf-8")
    return data.folder


def upload_prefix(uri):
    store, path = datastore_path(uri)
    assert store == DATASTORE, uri
    return path.rstrip("/") + "/"


def test_upload_by_go_reused_by_azure_ai_ml(ml_client, workspace, container, tmp_path, capfd):
    folder = fresh_folder(tmp_path, "go-first")
    files = sorted(read_files(folder))
    prefix = f"LocalUpload/{get_object_hash(folder)}/heart/"  # azure-ai-ml's own content hash
    assert blobs(container, prefix) == {}, "not uploaded before"

    go = goupload(workspace, f"conformance-go-first-{RUN}", folder)
    assert (go["skipped"], go["filesDone"], go["filesTotal"]) == (False, len(files), len(files)), go
    assert upload_prefix(go["path"]) == prefix
    before = blobs(container, prefix)
    assert sorted(before) == [prefix + f for f in files]
    assert before[prefix + files[0]][1].get("upload_status") == "completed", \
        "the marker azure-ai-ml looks for, name as set (case-sensitive)"

    capfd.readouterr()
    asset = ml_client.data.create_or_update(Data(name=f"conformance-py-second-{RUN}", version="1",
                                                 type=AssetTypes.URI_FOLDER, path=str(folder)))
    assert upload_prefix(asset.path) == prefix, "the Go SDK's upload reused"
    assert blobs(container, prefix) == before, "no blob written: the same ETags and metadata, none added"
    assert "Uploading heart" not in capfd.readouterr().err, "azure-ai-ml showed no upload progress"


def test_upload_by_azure_ai_ml_reused_by_go(ml_client, workspace, container, tmp_path):
    folder = fresh_folder(tmp_path, "python-first")
    files = sorted(read_files(folder))
    prefix = f"LocalUpload/{get_object_hash(folder)}/heart/"
    assert blobs(container, prefix) == {}, "not uploaded before"

    name = f"conformance-py-first-{RUN}"
    asset = ml_client.data.create_or_update(Data(name=name, version="1", type=AssetTypes.URI_FOLDER,
                                                 path=str(folder)))
    assert upload_prefix(asset.path) == prefix
    before = blobs(container, prefix)
    assert sorted(before) == [prefix + f for f in files]
    assert before[prefix + files[0]][1] == {"upload_status": "completed", "name": name, "version": "1"}

    go = goupload(workspace, f"conformance-go-second-{RUN}", folder)
    assert (go["skipped"], go["filesDone"], go["filesTotal"]) == (True, 0, len(files)), \
        f"the Go SDK reports the upload skipped: {go}"
    assert upload_prefix(go["path"]) == prefix, "azure-ai-ml's upload reused"
    assert blobs(container, prefix) == before, "no blob written: the same ETags and metadata, none added"

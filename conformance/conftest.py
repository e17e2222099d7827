"""Fixtures of the conformance suite: an MLClient on the local workspace, set up
as a user would (see README.md), and what several tests share: generated heart
data with the predictions the local deployments must produce, and one finished
batch job."""

import csv
import json
import math
import os
import random
import socket
import time
import uuid

import pytest
from azure.ai.ml import Input, MLClient
from azure.ai.ml.constants import AssetTypes
from azure.ai.ml.entities import Data

from localcred import LocalWorkspaceCredential

# The demo workspace examples/localworkspace registers.
ENDPOINT = "heart-classifier"
MODEL_DEPLOYMENT = "classifier-xgboost"
PIPELINE_DEPLOYMENT = "uci-classifier-prepros-xgb"
DATASTORE = "workspaceblobstore"
FILE_DATASTORE = "workspacefilestore"
EXAMPLE_FILES, EXAMPLE_ROWS = 4, 25  # what it seeds at exampleDataUrl

TERMINAL = {"Completed", "Failed", "Canceled", "NotResponding", "Paused"}
HEART_COLUMNS = ["age", "sex", "cp", "trestbps", "chol", "fbs", "restecg", "thalach", "exang",
                 "oldpeak", "slope", "ca", "thal"]

# Unique per run, so a test can be rerun against a workspace that is still up.
RUN = uuid.uuid4().hex[:8]


def score(age, chol, thalach, exang):
    """The local deployments' scoring rule (examples/internal/demo.Score)."""
    z = 0.06 * (age - 54) + 0.01 * (chol - 246) - 0.04 * (thalach - 150) + 1.2 * (exang - 0.33) - 1
    prob = 1 / (1 + math.exp(-z))
    return (1 if prob >= 0.5 else 0), prob


def wait_for(ml_client, name, timeout=120):
    """Polls jobs.get until the job ends, as a user's loop would; returns the
    statuses seen and the last job."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        job = ml_client.jobs.get(name)
        if not seen or seen[-1] != job.status:
            seen.append(job.status)
        if job.status in TERMINAL:
            return seen, job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {name} still {job.status} after {timeout}s (statuses {seen})")
        time.sleep(0.5)


@pytest.fixture(scope="session")
def workspace():
    path = os.environ.get("CONFORMANCE_WORKSPACE")
    if not path:
        pytest.exit("CONFORMANCE_WORKSPACE (workspace.json of a running local workspace) is not set: "
                    "run the suite with .ci/conformance", returncode=2)
    for var in ("AZUREML_DEV_URL_MFE", "REQUESTS_CA_BUNDLE"):
        if not os.environ.get(var):
            pytest.exit(f"{var} is not set: run the suite with .ci/conformance", returncode=2)
    with open(path, encoding="utf-8") as f:
        ws = json.load(f)
    assert os.environ["AZUREML_DEV_URL_MFE"] == ws["armEndpoint"]
    return ws


@pytest.fixture(scope="session")
def credential(workspace):
    return LocalWorkspaceCredential(os.environ["CONFORMANCE_WORKSPACE"])


@pytest.fixture(scope="session")
def ml_client(workspace, credential):
    return MLClient(credential, workspace["subscriptionId"], workspace["resourceGroup"], workspace["workspace"])


class HeartData:
    """A local folder of heart CSV files and the predictions of its rows."""

    def __init__(self, folder, files, rows):
        self.folder = folder
        self.records = {}  # file name -> rows (dicts of column -> text)
        rnd = random.Random(2024)
        thal = ["normal", "fixed", "reversible"]
        folder.mkdir(parents=True)
        for f in range(files):
            name = f"heart-{f + 1:02d}.csv"
            recs = []
            for _ in range(rows):
                recs.append([str(rnd.randint(29, 77)), str(rnd.randint(0, 1)), str(rnd.randint(0, 3)),
                             str(rnd.randint(94, 200)), str(rnd.randint(126, 564)), str(int(rnd.random() < 1 / 7)),
                             str(rnd.randint(0, 2)), str(rnd.randint(71, 202)), str(int(rnd.random() < 1 / 3)),
                             f"{rnd.randint(0, 62) / 10:.1f}", str(rnd.randint(0, 2)), str(rnd.randint(0, 3)),
                             rnd.choice(thal)])
            with open(folder / name, "w", newline="", encoding="utf-8") as out:
                w = csv.writer(out, lineterminator="\n")
                w.writerow(HEART_COLUMNS)
                w.writerows(recs)
            self.records[name] = recs

    def model_predictions(self):
        """Rows of the model deployment's predictions.csv, in input order."""
        rows = []
        for name, recs in sorted(self.records.items()):
            for i, rec in enumerate(recs):
                label, prob = score(*(float(rec[HEART_COLUMNS.index(c)]) for c in ("age", "chol", "thalach", "exang")))
                rows.append(f"{name},{i},{label},{prob:.4f}")
        return rows


@pytest.fixture(scope="session")
def heart(tmp_path_factory):
    return HeartData(tmp_path_factory.mktemp("data") / "heart", files=3, rows=7)


@pytest.fixture(scope="session")
def storage_host(ml_client):
    """The blob host azure-ai-ml 1.4.0 addresses for the default datastore. When it
    does not resolve and no proxy is set, fail at once: azure-ai-ml would retry it
    for about 90 s per call before failing the same way."""
    from azure.ai.ml._azure_environments import _get_storage_endpoint_from_metadata
    ds = ml_client.datastores.get_default()
    host = f"{ds.account_name}.blob.{_get_storage_endpoint_from_metadata()}"
    if not (os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy")):
        try:
            socket.getaddrinfo(host, 443)
        except socket.gaierror as e:
            pytest.fail(f"storage addressing: azure-ai-ml uploads to and downloads from https://{host}, "
                        f"which does not resolve ({e}) and no HTTPS_PROXY is set", pytrace=False)
    return host


@pytest.fixture(scope="session")
def uploaded(ml_client, heart, storage_host):
    """The heart folder as a data asset, uploaded by azure-ai-ml (version 1)."""
    return ml_client.data.create_or_update(
        Data(name=f"conformance-local-{RUN}", version="1", type=AssetTypes.URI_FOLDER, path=str(heart.folder)))


@pytest.fixture(scope="session")
def url_job(ml_client, workspace):
    """A model deployment job on the example data's storage URL, finished."""
    job = ml_client.batch_endpoints.invoke(
        endpoint_name=ENDPOINT, input=Input(type=AssetTypes.URI_FOLDER, path=workspace["exampleDataUrl"]))
    seen, done = wait_for(ml_client, job.name)
    return job, seen, done

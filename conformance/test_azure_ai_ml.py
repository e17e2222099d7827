"""azure-ai-ml 1.4.0 against the local workspace: the operations a batch
endpoint user runs (issue 9's list), each checked for what it returns or writes."""

import re
from pathlib import Path

import pytest
from azure.ai.ml import Input, Output
from azure.ai.ml.constants import AssetTypes
from azure.ai.ml.entities import Data
from azure.ai.ml._artifacts._artifact_utilities import download_artifact_from_aml_uri
from azure.ai.ml._restclient.v2022_10_01.models import DatastoreType

from conftest import (DATASTORE, ENDPOINT, EXAMPLE_FILES, EXAMPLE_ROWS, FILE_DATASTORE, MODEL_DEPLOYMENT,
                      PIPELINE_DEPLOYMENT, RUN, wait_for)

DEPLOYMENTS = {MODEL_DEPLOYMENT, PIPELINE_DEPLOYMENT}


def datastore_path(uri):
    """The azureml://datastores/<name>/paths/<path> short form of a long datastore URI."""
    m = re.search(r"/datastores/([^/]+)/paths/(.+)$", uri)
    assert m, f"not a datastore URI: {uri}"
    return m.group(1), m.group(2)


def invoke_and_wait(ml_client, **kwargs):
    # Always named: azure-ai-ml 1.4.0 keeps the azureml-model-deployment header of
    # one invoke for every later invoke in the process (it updates a shared dict).
    kwargs.setdefault("deployment_name", MODEL_DEPLOYMENT)
    job = ml_client.batch_endpoints.invoke(endpoint_name=ENDPOINT, **kwargs)
    assert job.name, "invoke returns the job's name"
    seen, done = wait_for(ml_client, job.name)
    assert done.status == "Completed", f"statuses {seen}"
    return job, done


def input_uri(job):
    """The URI of the one input a job was invoked with, as the service recorded it."""
    inputs = job.properties.input_data
    assert len(inputs) == 1, inputs
    return next(iter(inputs.values())).uri


def read_files(folder):
    """Relative path -> text of every file under folder."""
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_example_predictions(text, threshold=0.5, decimals=4):
    """Rows "<file>,<row>,<label>,<probability>" of a deployment on the seeded
    example data: one per input row, in input order, the label consistent with
    the probability and threshold (the model deployment's predictions.csv, or the
    pipeline deployment's score output with score_mode replace and no header)."""
    rows = text.splitlines()
    keys = []
    for row in rows:
        file, index, label, prob = row.split(",")
        assert label == str(int(float(prob) >= threshold)), row
        assert re.fullmatch(rf"[01]\.\d{{{decimals}}}", prob), row
        keys.append((file, int(index)))
    want = [(f"heart-{f:02d}.csv", i) for f in range(1, EXAMPLE_FILES + 1) for i in range(EXAMPLE_ROWS)]
    # Mini-batches of the model deployment may finish in any order.
    assert sorted(keys) == want


# --- endpoints and deployments ---------------------------------------------

def test_batch_endpoints_get(ml_client, workspace):
    ep = ml_client.batch_endpoints.get(ENDPOINT)
    assert ep.name == ENDPOINT
    assert ep.scoring_uri == workspace["scoringUris"][ENDPOINT]
    assert ep.defaults.deployment_name == MODEL_DEPLOYMENT
    assert ep.provisioning_state == "Succeeded"


def test_batch_endpoints_list(ml_client):
    names = [ep.name for ep in ml_client.batch_endpoints.list()]
    assert ENDPOINT in names


def test_batch_deployments_list(ml_client):
    deps = list(ml_client.batch_deployments.list(endpoint_name=ENDPOINT))
    assert {d.name for d in deps} == DEPLOYMENTS
    assert {d.endpoint_name for d in deps} == {ENDPOINT}


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_batch_deployments_get(ml_client, name):
    d = ml_client.batch_deployments.get(name=name, endpoint_name=ENDPOINT)
    assert d.name == name
    assert d.endpoint_name == ENDPOINT
    assert d.id.endswith(f"/batchEndpoints/{ENDPOINT}/deployments/{name}"), d.id


# --- invoke ----------------------------------------------------------------

def test_invoke_storage_url(url_job):
    job, seen, done = url_job
    assert done.status == "Completed", f"statuses {seen}"
    assert done.name == job.name
    assert seen[0] != "Completed", f"the job was seen running: {seen}"


def test_invoke_datastore_path(ml_client, uploaded):
    store, path = datastore_path(uploaded.path)
    assert store == DATASTORE
    _, done = invoke_and_wait(ml_client, input=Input(type=AssetTypes.URI_FOLDER,
                                                     path=f"azureml://datastores/{store}/paths/{path}"))
    assert done.name


def test_invoke_data_asset_version(ml_client, url_asset):
    name, versions = url_asset
    job, _ = invoke_and_wait(ml_client, input=Input(type=AssetTypes.URI_FOLDER, path=f"azureml:{name}:1"))
    assert f"/data/{name}/versions/1" in input_uri(job)


def test_invoke_data_asset_latest(ml_client, url_asset):
    name, versions = url_asset
    job, _ = invoke_and_wait(ml_client, input=Input(type=AssetTypes.URI_FOLDER, path=f"azureml:{name}@latest"))
    assert f"/data/{name}/versions/{versions[-1]}" in input_uri(job)


def test_invoke_local_folder(ml_client, heart, tmp_path, storage_host):
    job, _ = invoke_and_wait(ml_client, input=Input(type=AssetTypes.URI_FOLDER, path=str(heart.folder)))
    uri = input_uri(job)
    assert f"/datastores/{DATASTORE}/paths/LocalUpload/" in uri, f"uploaded to {DATASTORE}: {uri}"
    ml_client.jobs.download(job.name, download_path=tmp_path, output_name="score")
    files = read_files(tmp_path)
    assert list(files) == ["predictions.csv"]
    assert sorted(files["predictions.csv"].splitlines()) == sorted(heart.model_predictions())


def test_invoke_pipeline_literals_and_outputs(ml_client, workspace, tmp_path, monkeypatch, url_job):
    # url_job (the default deployment, invoked without a name) runs first: after
    # this invoke, azure-ai-ml 1.4.0 sends the pipeline deployment's name on every
    # invoke of the process (see invoke_and_wait).
    # azure-ai-ml 1.4.0 sends outputs only with its private features enabled.
    monkeypatch.setenv("AZURE_ML_CLI_PRIVATE_FEATURES_ENABLED", "true")
    out = f"azureml://datastores/{DATASTORE}/paths/conformance/{RUN}/pipeline/predictions.csv"
    job, done = invoke_and_wait(
        ml_client, deployment_name=PIPELINE_DEPLOYMENT,
        inputs={"heart_data": Input(type=AssetTypes.URI_FOLDER, path=workspace["exampleDataUrl"]),
                "score_mode": Input(type="string", default="replace"),
                "threshold": Input(type="number", default=0.6),
                "decimals": Input(type="integer", default=3),
                "header": Input(type="boolean", default=False)},
        outputs={"score": Output(type=AssetTypes.URI_FILE, path=out)})
    recorded = job.properties.input_data
    assert {k: recorded[k].value for k in ("score_mode", "threshold", "decimals", "header")} == \
        {"score_mode": "replace", "threshold": "0.6", "decimals": "3", "header": "False"}
    assert job.properties.output_data["score"].uri == out
    assert done.status == "Completed"
    # The job's children are the pipeline's steps. azure-ai-ml 1.4.0 downloads a
    # batch job's output only from a child named "batchscoring" (a model
    # deployment's scoring step), which a pipeline deployment's job does not
    # have, so jobs.download writes nothing for it, as against the service.
    steps = list(ml_client.jobs.list(parent_job_name=job.name))
    assert steps, "the pipeline's steps are child jobs"
    assert {s.status for s in steps} == {"Completed"}
    assert "batchscoring" not in {s.properties.get("azureml.moduleName") for s in steps}
    ml_client.jobs.download(job.name, download_path=tmp_path / "download", output_name="score")
    assert read_files(tmp_path / "download") == {}
    # The output is where the invoke put it: read it as jobs.download reads outputs.
    download_artifact_from_aml_uri(uri=out, destination=str(tmp_path / "output"),
                                   datastore_operation=ml_client.datastores)
    files = read_files(tmp_path / "output")
    assert [Path(p).name for p in files] == ["predictions.csv"], files.keys()
    text = next(iter(files.values()))
    assert_example_predictions(text, threshold=0.6, decimals=3)
    assert text.startswith("heart-01.csv,0,"), "files and rows in order, no header"


# --- data ------------------------------------------------------------------

@pytest.fixture(scope="module")
def url_asset(ml_client, workspace):
    """Two versions of a data asset on the example data's storage URL."""
    name = f"conformance-url-{RUN}"
    for v in ("1", "2"):
        ml_client.data.create_or_update(Data(name=name, version=v, type=AssetTypes.URI_FOLDER,
                                             path=workspace["exampleDataUrl"]))
    return name, ["1", "2"]


def test_data_create_from_local_folder_and_get_by_label(ml_client, uploaded, heart):
    assert uploaded.version == "1"
    store, path = datastore_path(uploaded.path)
    assert store == DATASTORE
    assert path.startswith("LocalUpload/") and path.rstrip("/").endswith("/heart"), path
    again = ml_client.data.create_or_update(Data(name=uploaded.name, version="2", type=AssetTypes.URI_FOLDER,
                                                 path=str(heart.folder)))
    assert again.path == uploaded.path, "the same content, the same upload path (content hash)"
    latest = ml_client.data.get(uploaded.name, label="latest")
    assert latest.version == "2"
    assert latest.path == uploaded.path
    assert ml_client.data.get(uploaded.name, version="1").version == "1"


# --- jobs ------------------------------------------------------------------

def test_jobs_get_polls_to_the_end(ml_client, url_job):
    job, seen, done = url_job
    assert seen[-1] == "Completed"
    assert len(seen) >= 2, f"intermediate statuses were reported: {seen}"
    assert set(seen) <= {"NotStarted", "Queued", "Preparing", "Starting", "Running", "Finalizing", "Completed"}, seen
    again = ml_client.jobs.get(job.name)
    assert again.status == "Completed"
    assert again.name == job.name
    assert again.tags.get("azureml.batchrun") == "true"


def test_jobs_stream_finished(ml_client, url_job, capsys):
    job, _, _ = url_job
    ml_client.jobs.stream(job.name)
    out = capsys.readouterr().out
    assert f"RunId: {job.name}" in out
    assert "Execution Summary" in out


def test_jobs_stream_running(ml_client, workspace, capsys):
    # As users do right after invoke: stream returns when the job ends.
    job = ml_client.batch_endpoints.invoke(
        endpoint_name=ENDPOINT, deployment_name=MODEL_DEPLOYMENT,
        input=Input(type=AssetTypes.URI_FOLDER, path=workspace["exampleDataUrl"]))
    ml_client.jobs.stream(job.name)
    out = capsys.readouterr().out
    assert f"RunId: {job.name}" in out
    # The run's logFiles: azure-ai-ml prints those named user_logs/std_log*.txt
    # or, for a pipeline-type job, logs/azureml/executionlogs.txt.
    streamed = re.findall(r"^Streaming (\S+)$", out, re.M)
    assert streamed, f"no log was streamed:\n{out}"
    assert "Execution Summary" in out
    assert ml_client.jobs.get(job.name).status == "Completed"


def test_jobs_download_one_output(ml_client, url_job, tmp_path):
    job, _, _ = url_job
    ml_client.jobs.download(job.name, download_path=tmp_path, output_name="score")
    files = read_files(tmp_path)
    assert list(files) == ["predictions.csv"]
    assert_example_predictions(files["predictions.csv"])


def test_jobs_download_all(ml_client, url_job, tmp_path):
    job, _, _ = url_job
    ml_client.jobs.download(job.name, download_path=tmp_path, all=True)
    files = read_files(tmp_path)
    assert "predictions.csv" in files, list(files)
    assert_example_predictions(files["predictions.csv"])


def test_jobs_begin_cancel(ml_client, workspace):
    job = ml_client.batch_endpoints.invoke(
        endpoint_name=ENDPOINT, deployment_name=MODEL_DEPLOYMENT,
        input=Input(type=AssetTypes.URI_FOLDER, path=workspace["exampleDataUrl"]))
    ml_client.jobs.begin_cancel(job.name).result(timeout=60)
    seen, done = wait_for(ml_client, job.name)
    assert done.status == "Canceled", f"statuses {seen}"


def test_jobs_list(ml_client, url_job):
    job, _, _ = url_job
    jobs = {j.name: j for j in ml_client.jobs.list()}
    assert job.name in jobs
    assert jobs[job.name].status == "Completed"


def test_batch_endpoints_list_jobs(ml_client, url_job):
    # The local workspace serves this route (the real service fails it today,
    # azure-sdk-for-python#45212): every job of the endpoint, newest first.
    job, _, _ = url_job
    jobs = ml_client.batch_endpoints.list_jobs(endpoint_name=ENDPOINT)
    names = [j.name for j in jobs]
    assert job.name in names


# --- datastores ------------------------------------------------------------

def test_datastores_get_default(ml_client):
    ds = ml_client.datastores.get_default()
    assert ds.name == DATASTORE
    assert ds.container_name == "azureml-blobstore"


def test_datastores_get(ml_client):
    ds = ml_client.datastores.get(DATASTORE)
    assert ds.name == DATASTORE
    assert ds.type == DatastoreType.AZURE_BLOB
    assert ds.account_name == "devstoreaccount1"
    assert ds.container_name == "azureml-blobstore"
    # As the real service: the DNS suffix, next to the account name (azure-ai-ml
    # 1.4.0 takes the suffix from its cloud metadata; newer versions from here).
    assert ds.endpoint == "core.windows.net"


def test_datastores_list(ml_client):
    stores = {d.name: d for d in ml_client.datastores.list()}
    assert {DATASTORE, FILE_DATASTORE} <= set(stores)
    assert stores[FILE_DATASTORE].type == DatastoreType.AZURE_FILE

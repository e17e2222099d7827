#!/usr/bin/env bash
# The how-to "Create jobs and input data for batch endpoints", every command
# line of it with "az ml" replaced by "azmlbatch", run against a local
# workspace (AZMLBATCH_LOCAL=workspace.json). TestWorkflowScript runs it and
# compares each invoke's request body with the library's for the same request.
#
# It writes into $WORK:
#   invokes  one line per invoke sent: <label> <job name>, in order
#   refused  one line per invoke the client refused: <label> <exit code>
#   vars     the ids the script looked up (DATA_ASSET_ID=..., ...)
set -euo pipefail
: "${WORK:?}" "${AZMLBATCH_LOCAL:?}"
cd "$WORK"

fail() { echo "workflow.sh: $*" >&2; exit 1; }
# sent LABEL: read an invoke's JSON on stdin and log the job it created.
sent() {
  local out name
  out=$(cat)
  name=$(jq -r .name <<<"$out")
  [[ $name == batchjob-* || $name == pipelinejob-* ]] || fail "$1: no job in: $out"
  echo "$1 $name" >>"$WORK/invokes"
}
# refused LABEL RC: an invoke the client must refuse before creating a job.
refused() {
  [[ $2 == 2 ]] || fail "$1: exit code $2, want 2 (validation error)"
  grep -q '^ERROR: ' "$WORK/$1.err" || fail "$1: no error message"
  echo "$1 $2" >>"$WORK/refused"
}

# The local workspace's storage proxy and CA reach the production blob hosts
# (*.blob.core.windows.net) that live in Azurite, for curl as for azmlbatch.
CA=$(jq -r .caBundle "$AZMLBATCH_LOCAL")
PROXY=$(jq -r .httpsProxy "$AZMLBATCH_LOCAL")
STORAGE_TOKEN=$(cat "$(jq -r .tokenFiles.storage "$AZMLBATCH_LOCAL")")

ENDPOINT_NAME=heart-classifier
DEPLOYMENT_NAME=classifier-xgboost
# The how-to's pipeline-only scenarios (experiment name, literal inputs) on a
# pipeline component deployment of the same endpoint.
PIPELINE_DEPLOYMENT_NAME=uci-classifier-prepros-xgb

# S1: az login has no counterpart here; the local workspace wrote the tokens.

# S2: basic job.
azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME \
                            --input https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data | sent s2

# S3: a specific deployment.
azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME \
                            --deployment-name $DEPLOYMENT_NAME \
                            --input https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data | sent s3

# S4: experiment name. The default deployment is a model deployment, which
# takes no job properties: refused before anything is created.
rc=0
azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME \
                            --experiment-name "my-batch-job-experiment" \
                            --input https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data 2>"$WORK/s4.err" || rc=$?
refused s4 $rc
# On the pipeline component deployment, which names its input heart_data.
azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME \
                            --deployment-name $PIPELINE_DEPLOYMENT_NAME \
                            --experiment-name "my-batch-job-experiment" \
                            --set inputs.heart_data.type="uri_folder" inputs.heart_data.path=https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data | sent s4-pipeline

# S8: a data asset from a local folder (the sample file, read anonymously
# from the public account as anyone can).
mkdir -p data
curl -sSf --proxy "$PROXY" --cacert "$CA" -o data/heart.csv \
  https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data/heart.csv
cat >heart-data.yml <<'YML'
$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json
name: heart-data
description: An unlabeled data asset for heart classification.
type: uri_folder
path: data
YML
azmlbatch data create -f heart-data.yml >/dev/null
DATA_ASSET_ID=$(azmlbatch data show -n heart-data --label latest | jq -r .id)
[[ $DATA_ASSET_ID =~ ^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft.MachineLearningServices/workspaces/[^/]+/data/heart-data/versions/[^/]+$ ]] ||
  fail "data asset id $DATA_ASSET_ID"
[[ $(azmlbatch data show -n heart-data --label latest --query id -o tsv) == "$DATA_ASSET_ID" ]] || fail "--query id -o tsv"
echo "DATA_ASSET_ID=$DATA_ASSET_ID" >>"$WORK/vars"

azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME \
    --set inputs.heart_data.type="uri_folder" inputs.heart_data.path=$DATA_ASSET_ID | sent s8-set
azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME --input $DATA_ASSET_ID | sent s8-input
cat >inputs.yml <<YML
inputs:
  heart_data:
    type: uri_folder
    path: $DATA_ASSET_ID
YML
cp inputs.yml s8-inputs.yml
azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME --file inputs.yml | sent s8-file

# S9: a datastore path. The sample data uploaded as Storage Explorer or AzCopy
# would, here with one Put Blob through the proxy.
DS=$(azmlbatch datastore show -n workspaceblobstore)
curl -sSf --proxy "$PROXY" --cacert "$CA" -X PUT -H "Authorization: Bearer $STORAGE_TOKEN" \
  -H "x-ms-version: 2021-08-06" -H "x-ms-blob-type: BlockBlob" --data-binary @data/heart.csv \
  "https://$(jq -r .account_name <<<"$DS").blob.$(jq -r .endpoint <<<"$DS")/$(jq -r .container_name <<<"$DS")/heart-disease-uci-unlabeled/heart.csv"
DATA_PATH="heart-disease-uci-unlabeled"
INPUT_PATH="azureml://datastores/workspaceblobstore/paths/$DATA_PATH"
echo "INPUT_PATH=$INPUT_PATH" >>"$WORK/vars"
azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME \
    --set inputs.heart_data.type="uri_folder" inputs.heart_data.path=$INPUT_PATH | sent s9-set
azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME --input $INPUT_PATH --input-type uri_folder | sent s9-input
cat >inputs.yml <<YML
inputs:
  heart_data:
    type: uri_folder
    path: azureml://datastores/workspaceblobstore/paths/$DATA_PATH
YML
cp inputs.yml s9-inputs.yml
azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME --file inputs.yml | sent s9-file

# S10: a storage account URL, folder then single file.
INPUT_DATA="https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data"
azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME \
    --set inputs.heart_data.type="uri_folder" inputs.heart_data.path=$INPUT_DATA | sent s10-set
azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME --input $INPUT_DATA --input-type uri_folder | sent s10-input
cat >inputs.yml <<'YML'
inputs:
  heart_data:
    type: uri_folder
    path: https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data
YML
cp inputs.yml s10-inputs.yml
azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME --file inputs.yml | sent s10-file
INPUT_DATA="https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data/heart.csv"
azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME --input $INPUT_DATA --input-type uri_file | sent s10-uri-file
cat >inputs.yml <<'YML'
inputs:
  heart_data:
    type: uri_file
    path: https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data/heart.csv
YML
cp inputs.yml s10-file-inputs.yml
azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME --file inputs.yml | sent s10-uri-file-file

# S11: a literal input. Model deployments take no literals: refused.
cat >inputs.yml <<'YML'
inputs:
  score_mode:
    type: string
    default: append
YML
rc=0; azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME --file inputs.yml 2>"$WORK/s11-file.err" || rc=$?
refused s11-file $rc
rc=0
azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME \
    --set inputs.score_mode.type="string" inputs.score_mode.default="append" 2>"$WORK/s11-set.err" || rc=$?
refused s11-set $rc
# S11 as written, on the pipeline endpoint (the literal alone).
ENDPOINT_NAME=heart-pipeline
azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME --file inputs.yml | sent s11-file-as-written
cp inputs.yml s11-literal-inputs.yml
azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME \
    --set inputs.score_mode.type="string" inputs.score_mode.default="append" | sent s11-set-as-written
ENDPOINT_NAME=heart-classifier
# The pipeline component deployment takes it, next to its data input.
cat >inputs.yml <<'YML'
inputs:
  heart_data:
    type: uri_folder
    path: https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data
  score_mode:
    type: string
    default: append
YML
cp inputs.yml s11-inputs.yml
azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME -d $PIPELINE_DEPLOYMENT_NAME --file inputs.yml | sent s11-pipeline-file
azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME -d $PIPELINE_DEPLOYMENT_NAME \
    --set inputs.heart_data.type="uri_folder" inputs.heart_data.path=https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data \
    inputs.score_mode.type="string" inputs.score_mode.default="append" | sent s11-pipeline-set

# S12: a named output on the default datastore.
DATA_STORE_ID=$(azmlbatch datastore show -n workspaceblobstore | jq -r '.id')
[[ $DATA_STORE_ID == */datastores/workspaceblobstore ]] || fail "datastore id $DATA_STORE_ID"
echo "DATA_STORE_ID=$DATA_STORE_ID" >>"$WORK/vars"
cat >inputs-and-outputs.yml <<YML
inputs:
  heart_data:
    type: uri_folder
    path: https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data
outputs:
  score:
    type: uri_file
    path: $DATA_STORE_ID/paths/batch-jobs/my-unique-path
YML
azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME --file inputs-and-outputs.yml | sent s12

# Following a job, as scripts do after the invoke.
JOB_NAME=$(azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME --input https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data --query name -o tsv)
echo "follow $JOB_NAME" >>"$WORK/invokes"
azmlbatch job stream -n $JOB_NAME >stream.txt
grep -q "^RunId: $JOB_NAME" stream.txt || fail "job stream: no RunId line"
STATUS=$(azmlbatch job show -n $JOB_NAME --query status -o tsv)
[[ $STATUS == Completed ]] || fail "job show: status $STATUS"
azmlbatch job wait -n $JOB_NAME -o none
azmlbatch job download -n $JOB_NAME --download-path ./out
[[ $(find out -type f | wc -l) -ge 1 ]] || fail "job download wrote nothing"
azmlbatch job list --parent-job-name $JOB_NAME --query '[].status' -o tsv | grep Completed >/dev/null || fail "job list --parent-job-name"
[[ $(azmlbatch batch-endpoint list-jobs -n $ENDPOINT_NAME --query 'length(@)') -ge 1 ]] || fail "list-jobs"
azmlbatch job show -n $JOB_NAME --query 'services.Studio.endpoint' -o tsv | grep "$JOB_NAME" >/dev/null || fail "Studio URL"

[[ $(azmlbatch job list --query "[?name=='$JOB_NAME'].status | [0]" -o tsv) == Completed ]] || fail "job list"

# The other read commands, as scripts query them.
[[ $(azmlbatch batch-endpoint show -n $ENDPOINT_NAME --query defaults.deployment_name -o tsv) == "$DEPLOYMENT_NAME" ]] || fail "batch-endpoint show"
azmlbatch batch-endpoint show -n $ENDPOINT_NAME | jq -e '.scoring_uri | startswith("https://")' >/dev/null || fail "scoring_uri"
azmlbatch batch-endpoint list --query '[].name' -o tsv | grep -x $ENDPOINT_NAME >/dev/null || fail "batch-endpoint list"
[[ $(azmlbatch batch-deployment show -n $PIPELINE_DEPLOYMENT_NAME -e $ENDPOINT_NAME --query type -o tsv) == pipeline ]] || fail "batch-deployment show"
[[ $(azmlbatch batch-deployment list -e $ENDPOINT_NAME --query 'length(@)') == 2 ]] || fail "batch-deployment list"
azmlbatch data list --query '[].name' -o tsv | grep -x heart-data >/dev/null || fail "data list"
[[ $(azmlbatch data list -n heart-data --query '[0].id' -o tsv) == "$DATA_ASSET_ID" ]] || fail "data list -n"
azmlbatch datastore list -o table | grep workspaceblobstore >/dev/null || fail "datastore list"
azmlbatch datastore show -n workspaceblobstore -o yaml | grep '^type: azure_blob$' >/dev/null || fail "datastore show -o yaml"

# Service errors exit 1, with the service's answer.
rc=0; azmlbatch job show -n batchjob-00000000-0000-0000-0000-000000000000 2>"$WORK/nojob.err" || rc=$?
[[ $rc == 1 ]] || fail "job show of a missing job: exit $rc, want 1"
rc=0; azmlbatch batch-endpoint show -n no-such-endpoint 2>"$WORK/noendpoint.err" || rc=$?
[[ $rc == 1 ]] || fail "batch-endpoint show of a missing endpoint: exit $rc, want 1"
grep -q '^ERROR: ' "$WORK/noendpoint.err" || fail "no error message for a missing endpoint"

# A canceled job: job wait exits 3.
JOB_NAME=$(azmlbatch batch-endpoint invoke --name $ENDPOINT_NAME --input https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data --query name -o tsv)
echo "cancel $JOB_NAME" >>"$WORK/invokes"
azmlbatch job cancel -n $JOB_NAME
rc=0; azmlbatch job wait -n $JOB_NAME --only-show-errors -o none 2>/dev/null || rc=$?
[[ $rc == 3 ]] || fail "job wait on a canceled job: exit $rc, want 3"
echo "workflow.sh: done"

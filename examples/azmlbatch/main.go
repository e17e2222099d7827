// Azmlbatch is a command line for Azure Machine Learning batch endpoints with
// the commands, flags and JSON output of az ml, in one static binary that starts
// in milliseconds:
//
//	azmlbatch batch-endpoint invoke --name heart-classifier --input https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data
//	azmlbatch data create -f heart-data.yml
//	DATA_ASSET_ID=$(azmlbatch data show -n heart-data --label latest | jq -r .id)
//	JOB=$(azmlbatch batch-endpoint invoke -n heart-classifier --input "$DATA_ASSET_ID" --query name -o tsv)
//	azmlbatch job wait -n "$JOB" && azmlbatch job download -n "$JOB" --download-path out
//
// Commands: batch-endpoint invoke|show|list|list-jobs, batch-deployment
// show|list, job show|wait|stream|cancel|download|list, data create|show|list,
// datastore show|list. Every command takes -o json|jsonc|table|tsv|yaml|none,
// --query (JMESPath), --only-show-errors and --debug.
//
// The workspace comes from --subscription, --resource-group/-g and
// --workspace-name/-w, else from AZURE_SUBSCRIPTION_ID, AZURE_DEFAULTS_GROUP
// (or AZURE_RESOURCE_GROUP) and AZURE_DEFAULTS_WORKSPACE (or
// AZUREML_WORKSPACE_NAME), else from az's own defaults (az configure --defaults
// group=... workspace=..., in $AZURE_CONFIG_DIR/config, ~/.azure by default),
// and the subscription from az's login profile (azureProfile.json). Requests
// are signed with DefaultAzureCredential (az login works). --local
// workspace.json (or AZMLBATCH_LOCAL) uses a local workspace started by
// examples/localworkspace, and --emulator (or AZMLBATCH_EMULATOR=1) starts one
// for the duration of the command; the emulator is a separate program, never
// linked into this one.
//
// Exit codes: 0 success; 1 an error from the service; 2 a usage or validation
// error, found before anything is created (the message names the flag and the
// fix); 3 a job that was waited for ended Failed or Canceled.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Rawinvoke is the benchmark baseline of azmlbatch batch-endpoint invoke: a Go
// program with nothing but net/http that sends the same requests to a local
// workspace (GET the endpoint, GET its default deployment, POST the job) and
// prints the job's name.
//
//	rawinvoke workspace.json heart-classifier https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/azmlbatch/azmlbatch/examples/azmlbatch/internal/benchstate"
)

const apiVersion = "2025-12-01"

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: rawinvoke workspace.json ENDPOINT INPUT_URL")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "rawinvoke:", err)
		os.Exit(1)
	}
}

func run(stateFile, endpoint, input string) error {
	st, hc, err := benchstate.Load(stateFile)
	if err != nil {
		return err
	}
	arm, err := st.Token("arm")
	if err != nil {
		return err
	}
	ml, err := st.Token("ml")
	if err != nil {
		return err
	}
	do := func(method, u, tok string, body []byte, hdr map[string]string, out any) error {
		req, err := http.NewRequest(method, u, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/json")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("%s %s: %s", method, u, resp.Status)
		}
		return json.NewDecoder(resp.Body).Decode(out)
	}
	ws := fmt.Sprintf("%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.MachineLearningServices/workspaces/%s",
		strings.TrimSuffix(st.ARMEndpoint, "/"), st.SubscriptionID, st.ResourceGroup, st.Workspace)
	var ep struct {
		Properties struct {
			ScoringURI string `json:"scoringUri"`
			Defaults   struct {
				DeploymentName string `json:"deploymentName"`
			} `json:"defaults"`
		} `json:"properties"`
	}
	if err := do(http.MethodGet, ws+"/batchEndpoints/"+endpoint+"?api-version="+apiVersion, arm, nil, nil, &ep); err != nil {
		return err
	}
	dep := ep.Properties.Defaults.DeploymentName
	var d map[string]any
	if err := do(http.MethodGet, ws+"/batchEndpoints/"+endpoint+"/deployments/"+dep+"?api-version="+apiVersion, arm, nil, nil, &d); err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]any{"properties": map[string]any{"inputData": map[string]any{
		"UriFolder": map[string]any{"uri": input, "jobInputType": "UriFolder"}}}})
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	var job struct {
		Name string `json:"name"`
	}
	if err := do(http.MethodPost, ep.Properties.ScoringURI, ml, body, map[string]string{
		"azureml-model-deployment": dep, "repeatability_request-id": hex.EncodeToString(id),
		"repeatability-first-sent": time.Now().UTC().Format(http.TimeFormat)}, &job); err != nil {
		return err
	}
	fmt.Println(job.Name)
	return nil
}

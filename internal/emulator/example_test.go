package emulator_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/azmlbatch/azmlbatch/internal/emulator"
)

// A workspace with one pipeline deployment, invoked over HTTPS like any client would.
func Example() {
	s, err := emulator.New(nil)
	if err != nil {
		panic(err)
	}
	defer s.Close()
	if err := s.Start(); err != nil {
		panic(err)
	}
	ws, _ := s.AddWorkspace(emulator.WorkspaceConfig{SubscriptionID: "sub", ResourceGroup: "rg", Name: "ws"})
	_ = ws.AddBatchEndpoint(emulator.BatchEndpoint{Name: "hello-batch", DefaultDeployment: "hello"})
	_ = ws.AddPipelineDeployment("hello-batch", emulator.PipelineDeployment{
		Name: "hello",
		Run: func(_ context.Context, run *emulator.PipelineRun) error {
			fmt.Println("score_mode =", run.Inputs["score_mode"].Value)
			return nil
		},
	})

	hold := s.HoldJobs(emulator.StatusRunning) // keeps the output order fixed below

	// Any client: trust s.CACertPEM (or use s.HTTPClient), send an ml.azure.com token.
	tok, _ := s.Credential().GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://ml.azure.com/.default"}})
	body := `{"properties": {"inputData": {"score_mode": {"jobInputType": "Literal", "value": "append"}}}}`
	req, _ := http.NewRequest(http.MethodPost, ws.ScoringURI("hello-batch"), strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	req.Header.Set("Content-Type", "application/json")
	res, err := s.HTTPClient().Do(req)
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Println(res.StatusCode)
	hold.Release()

	jobs := s.Jobs()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, _ := s.WaitJob(ctx, jobs[0].Name)
	fmt.Println(info.Status, info.ExperimentName)
	// Output:
	// 201
	// score_mode = append
	// Completed hello-batch
}

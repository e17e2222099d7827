package fake_test

// This file is a complete example of testing code that uses batchendpoint with
// the fake. Copy it next to your code; to share one Azurite across the test
// binary add
//
//	func TestMain(m *testing.M) { os.Exit(fake.RunTests(m)) }

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
	"github.com/azmlbatch/azmlbatch/inputs"
)

// ScorePatients is the code under test: it scores a folder of CSV files on the
// workspace's default datastore with the heart-classifier endpoint, waits for
// the job and returns the rows of predictions.csv. poll is how often it checks
// the job; production code would use a few seconds, tests a few milliseconds.
func ScorePatients(ctx context.Context, client *batchendpoint.Client, folder, workDir string, poll time.Duration) ([]string, error) {
	job, err := client.Invoke(ctx, "heart-classifier", batchendpoint.InvokeRequest{
		Input: inputs.Datastore("workspaceblobstore", folder),
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("invoking: %w", err)
	}
	if _, err := job.Wait(ctx, &batchendpoint.WaitOptions{MinDelay: poll}); err != nil {
		return nil, fmt.Errorf("job %s: %w", job.Name(), err)
	}
	res, err := job.DownloadOutputs(ctx, workDir, nil)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(workDir, "predictions.csv"))
	if err != nil {
		return nil, fmt.Errorf("output %s: %w", res.Location, err)
	}
	return strings.Fields(string(data)), nil
}

func TestScorePatients(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// A workspace with the endpoint the code expects. The deployment's scoring
	// script is a Go function: one row per input file.
	w := fake.NewWorkspace(t, nil)
	w.AddEndpoint(fake.Endpoint{Name: "heart-classifier", DefaultDeployment: "xgboost"})
	w.AddModelDeployment("heart-classifier", fake.ModelDeployment{
		Name: "xgboost",
		Score: func(_ context.Context, b fake.MiniBatch) ([]string, error) {
			var rows []string
			for _, f := range b.Files {
				rows = append(rows, filepath.Base(f)+",1")
			}
			return rows, nil
		},
	})
	w.WriteBlob(fake.DefaultDatastore, "patients/a.csv", []byte("age,chol\n63,233\n"))
	w.WriteBlob(fake.DefaultDatastore, "patients/b.csv", []byte("age,chol\n41,204\n"))

	t.Run("completed", func(t *testing.T) {
		rows, err := ScorePatients(ctx, w.Client(), "patients", t.TempDir(), 10*time.Millisecond)
		require.NoError(t, err)
		assert.Equal(t, []string{"a.csv,1", "b.csv,1"}, rows)

		// What the service received: one invoke of the default deployment.
		invs := w.Invocations()
		require.Len(t, invs, 1)
		assert.Equal(t, "", invs[0].Deployment)
		in := invs[0].Request.Input.(inputs.DatastoreInput)
		assert.Equal(t, "patients", in.Path())
	})

	t.Run("job fails", func(t *testing.T) {
		w.FailNextJob("UserError", "The input data has no header row.")
		_, err := ScorePatients(ctx, w.Client(), "patients", t.TempDir(), 10*time.Millisecond)
		var failed *batchendpoint.JobFailedError
		require.True(t, errors.As(err, &failed), "got %v", err)
		assert.Equal(t, "The input data has no header row.", failed.Message)
	})

	t.Run("service busy", func(t *testing.T) {
		// The first POST is throttled; the client waits Retry-After and resends.
		w.ClearRequests()
		w.FailRequests(fake.RouteInvoke, 1, 429, "0")
		_, err := ScorePatients(ctx, w.Client(), "patients", t.TempDir(), 10*time.Millisecond)
		require.NoError(t, err)
		assert.Equal(t, 2, w.RequestCount(fake.RouteInvoke))
	})
}

// A fake workspace outside go test: in a program, a demo or this Example. The
// client is an ordinary *batchendpoint.Client; only where it points differs.
func ExampleStartWorkspace() {
	ctx := context.TODO()
	w, err := fake.StartWorkspace(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	w.AddEndpoint(fake.Endpoint{Name: "heart-classifier", DefaultDeployment: "xgboost"})
	w.AddModelDeployment("heart-classifier", fake.ModelDeployment{
		Name: "xgboost",
		Score: func(_ context.Context, b fake.MiniBatch) ([]string, error) {
			rows := make([]string, len(b.Files))
			for i, f := range b.Files {
				rows[i] = filepath.Base(f) + ",1"
			}
			return rows, nil
		},
	})
	w.WriteBlob(fake.DefaultDatastore, "patients/a.csv", []byte("age,chol\n63,233\n"))

	job, err := w.Client().Invoke(ctx, "heart-classifier", batchendpoint.InvokeRequest{
		Input: inputs.Datastore(fake.DefaultDatastore, "patients"),
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	details, err := job.Wait(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(details.Status)
	fmt.Printf("%s", w.OutputFiles(job.Name(), "score")["predictions.csv"])
	fmt.Println(w.RequestCount(fake.RouteInvoke), "invoke")
	// Output:
	// Completed
	// a.csv,1
	// 1 invoke
}

// Injected faults: the first invoke is throttled with Retry-After, and the
// client resends it.
func ExampleWorkspace_FailRequests() {
	ctx := context.TODO()
	w, err := fake.StartWorkspace(ctx, &fake.Options{NoStorage: true})
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	w.AddEndpoint(fake.Endpoint{Name: "hello", DefaultDeployment: "literal"})
	w.AddPipelineDeployment("hello", fake.PipelineDeployment{Name: "literal"})

	w.FailRequests(fake.RouteInvoke, 1, 429, "0")
	_, err = w.Client().Invoke(ctx, "hello", batchendpoint.InvokeRequest{
		Inputs: map[string]inputs.Input{"mode": inputs.String("append")},
	}, nil)
	fmt.Println(err)
	for _, r := range w.Requests(fake.RouteInvoke) {
		fmt.Println(r.Method, r.Status)
	}
	// Output:
	// <nil>
	// POST 429
	// POST 201
}

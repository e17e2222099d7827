// Command coldraw sends the HTTP requests coldlib sent (recorded by the
// emulator, listed in the file bench.EnvRequests names) with net/http alone,
// reading each answer and decoding the last as JSON: the raw side of
// BenchmarkColdProcess. TLS roots come from SSL_CERT_FILE.
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/azmlbatch/azmlbatch/internal/bench"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "coldraw:", err)
		os.Exit(1)
	}
}

func run() error {
	b, err := os.ReadFile(os.Getenv(bench.EnvRequests))
	if err != nil {
		return err
	}
	var reqs []bench.Request
	if err := json.Unmarshal(b, &reqs); err != nil {
		return err
	}
	var last []byte
	for _, r := range reqs {
		var body io.Reader
		if r.Body != nil {
			body = bytes.NewReader(r.Body)
		}
		req, err := http.NewRequest(r.Method, r.URL, body)
		if err != nil {
			return err
		}
		for k, v := range r.Header {
			req.Header[k] = v
		}
		tok := os.Getenv(bench.EnvARMToken)
		if r.ML {
			tok = os.Getenv(bench.EnvMLToken)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		if r.NewRepeatabilityID {
			req.Header.Set("repeatability_request-id", uuid())
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		last, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode >= 300 {
			return fmt.Errorf("%s %s: %s", r.Method, r.URL, resp.Status)
		}
	}
	var job struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(last, &job); err != nil {
		return err
	}
	fmt.Println(job.Name)
	return nil
}

// uuid is a random version 4 UUID.
func uuid() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}

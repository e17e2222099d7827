package batchendpoint_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"go.uber.org/goleak"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
	"github.com/azmlbatch/azmlbatch/batchendpoint/fake"
)

// The workspace of the tests on in-memory transports and hand-written servers
// (job_wait_test.go, resend_test.go, server_test.go).
const (
	testSub = "00000000-1111-2222-3333-444444444444"
	testRG  = "rg1"
	testWSN = "ws1"
)

var testWorkspace = batchendpoint.Workspace{SubscriptionID: testSub, ResourceGroup: testRG, Name: testWSN}

// scopeCred returns "tok:<scope>", for tests whose servers check no token.
type scopeCred struct{}

func (scopeCred) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "tok:" + strings.Join(o.Scopes, ","), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// TestMain shares one Azurite across the tests (fake.RunTests) and then fails
// the run if any goroutine is left behind: every Invoke, Wait, upload and
// download must have ended, and every fake workspace and test server closed.
func TestMain(m *testing.M) {
	code := fake.RunTests(m)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak: goroutines left after the tests:", err)
			code = 1
		}
	}
	os.Exit(code)
}

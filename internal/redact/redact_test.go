package redact

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// azuriteKey is Azurite's published devstoreaccount1 key: the shape of every
// storage account key (64 bytes, base64).
const azuriteKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

const jwtToken = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL21sLmF6dXJlLmNvbSJ9.dW5zaWduZWQ"

func TestString(t *testing.T) {
	cases := []struct{ name, in, want string }{
		// SAS signatures, raw.
		{"sig", "https://a.blob.core.windows.net/c/d?sv=2022-11-02&sig=abc%2Bdef%3D&se=x", "https://a.blob.core.windows.net/c/d?sv=2022-11-02&sig=REDACTED&se=x"},
		{"sig first", "https://a/c?sig=zzz&sv=1", "https://a/c?sig=REDACTED&sv=1"},
		{"upper case key", "https://a/c?SIG=zzz", "https://a/c?SIG=REDACTED"},
		{"in prose", "see https://a/c?sp=r&sig=Q1w2 now", "see https://a/c?sp=r&sig=REDACTED now"},
		{"raw base64 sig", "?sv=1&sig=ab+c/d==&sp=r", "?sv=1&sig=REDACTED&sp=r"},
		{"bare SAS token", "sv=2024&sig=abc", "sv=2024&sig=REDACTED"},
		{"SAS token starting with sig", "sig=abc&sv=2024", "sig=REDACTED&sv=2024"},
		{"SAS auth scheme", "SharedAccessSignature sig=abc&se=1&skn=RootManageSharedAccessKey", "SharedAccessSignature sig=REDACTED&se=1&skn=RootManageSharedAccessKey"},
		{"other SAS fields stay", "?sv=1&skoid=oid&sktid=tid&skt=t&ske=e&sks=b&skv=v&sp=r&sr=c&st=s&se=e&sig=x", "?sv=1&skoid=oid&sktid=tid&skt=t&ske=e&sks=b&skv=v&sp=r&sr=c&st=s&se=e&sig=REDACTED"},
		{"signature", "https://h/p?x-ms-date=1&signature=abc", "https://h/p?x-ms-date=1&signature=REDACTED"},
		{"HTML-escaped &", "a?sv=1&amp;sig=abc&amp;se=2", "a?sv=1&amp;sig=REDACTED&amp;se=2"},
		// Other credential query keys and fragments.
		{"access_token fragment", "https://app/cb#access_token=abc.def&token_type=Bearer", "https://app/cb#access_token=REDACTED&token_type=Bearer"},
		{"code", "https://app/cb?code=0.AXYz&state=s", "https://app/cb?code=REDACTED&state=s"},
		{"client_secret form", "grant_type=client_credentials&client_id=id&client_secret=p4ss", "grant_type=client_credentials&client_id=id&client_secret=REDACTED"},
		{"token", "wss://h/x?token=abc", "wss://h/x?token=REDACTED"},
		{"api key", "https://h/x?api-key=abc&key=def", "https://h/x?api-key=REDACTED&key=REDACTED"},
		{"non-secret keys stay", "https://a/c?design=1&signed=2&keyName=k&codec=x", "https://a/c?design=1&signed=2&keyName=k&codec=x"},
		// Percent-encoded: a SAS URL inside another URL's query, once and twice.
		{"percent-encoded", "u=https%3A%2F%2Fa%2Fc%3Fsv%3D1%26sig%3Dab%252Bc%253D%26se%3D2", "u=https%3A%2F%2Fa%2Fc%3Fsv%3D1%26sig%3DREDACTED%26se%3D2"},
		{"percent-encoded lower case", "%26sig%3dabc%26sp%3dr", "%26sig%3dREDACTED%26sp%3dr"},
		{"percent-encoded ?", "%3Fsig%3Dabc", "%3Fsig%3DREDACTED"},
		{"double-encoded", "%2526sig%253Dab%25252Bc%2526se%253D2", "%2526sig%253DREDACTED%2526se%253D2"},
		{"mixed encodings", `\u0026sig%3Dabc%26x=1`, `\u0026sig%3DREDACTED%26x=1`},
		// JSON-escaped.
		{"JSON-escaped &", `{"uri":"https://a/c?sv=1\u0026sig=abc\u0026se=2"}`, `{"uri":"https://a/c?sv=1\u0026sig=REDACTED\u0026se=2"}`},
		{"JSON-escaped = and upper hex", `{"uri":"https://a/c?sv\u003D1\u0026SIG\u003Dabc\u002b\u002Fx\u0026se\u003d2"}`, `{"uri":"https://a/c?sv\u003D1\u0026SIG\u003DREDACTED\u0026se\u003d2"}`},
		{"JSON-escaped slashes in value", `"https:\/\/a\/c?sv=1&sig=ab\/cd"`, `"https:\/\/a\/c?sv=1&sig=REDACTED"`},
		{"JSON in a JSON string", `{"message":"{\"Uri\":\"https://a/c?sp=r&sig=SECRET\"}"}`, `{"message":"{\"Uri\":\"https://a/c?sp=r&sig=REDACTED\"}"}`},
		{"JSON in JSON, escapes escaped", `{"m":"{\"u\":\"a?sv\\u003d1\\u0026sig\\u003dab\\u002Bc\\\/d\\u0026se\\u003d2\"}"}`, `{"m":"{\"u\":\"a?sv\\u003d1\\u0026sig\\u003dREDACTED\\u0026se\\u003d2\"}"}`},
		{".NET-escaped +", `{"u":"a?sig=ab\u002Bc\u003D\u0026se=1"}`, `{"u":"a?sig=REDACTED\u0026se=1"}`},
		{"Go-quoted JSON escape", `"a\\u0026sig=abc\\u0026b"`, `"a\\u0026sig=REDACTED\\u0026b"`},
		// User info.
		{"password", "https://user:pa55@acct.blob.core.windows.net/c", "https://user:REDACTED@acct.blob.core.windows.net/c"},
		{"password with encoded @", "https://user:p%40ss@h/c", "https://user:REDACTED@h/c"},
		{"password with raw @", "https://user:p@ss@h/c", "https://user:REDACTED@h/c"},
		{"empty user", "https://:pw@h", "https://:REDACTED@h"},
		{"user without password stays", "https://user@h/c", "https://user@h/c"},
		{"port stays", "https://h:443/c?x=1", "https://h:443/c?x=1"},
		{"percent-encoded user info", "u=https%3A%2F%2Fuser%3Apw%40h%2Fc", "u=https%3A%2F%2Fuser%3AREDACTED%40h%2Fc"},
		{"double-encoded user info", "u%3Dhttps%253A%252F%252Fuser%253Apw%2540h%252Fc", "u%3Dhttps%253A%252F%252Fuser%253AREDACTED%2540h%252Fc"},
		{"JSON-escaped user info", `{"u":"https:\/\/user:pw@h\/c"}`, `{"u":"https:\/\/user:REDACTED@h\/c"}`},
		{"ftp", "ftp://anonymous:me@h/", "ftp://anonymous:REDACTED@h/"},
		// Authorization headers and tokens.
		{"echoed header", "Authorization: Bearer abc", "Authorization: Bearer REDACTED"},
		{"header map", "map[Authorization:[Bearer abc] X:[y]]", "map[Authorization:[Bearer REDACTED] X:[y]]"},
		{"header JSON", `{"Authorization":"Bearer abc"}`, `{"Authorization":"Bearer REDACTED"}`},
		{"header without scheme", "authorization=xyz&a=b", "authorization=REDACTED&a=b"},
		{"SharedKey header", "Authorization: SharedKey acct:c2lnbmF0dXJl", "Authorization: SharedKey REDACTED"},
		{"azcore-sanitized header stays", "   Authorization: REDACTED\n   Content-Type: x", "   Authorization: REDACTED\n   Content-Type: x"},
		{"bearer in text", "sent bearer " + jwtToken + " to h", "sent bearer REDACTED to h"},
		{"bearer opaque", "Bearer abc-123_xyz.9", "Bearer REDACTED"},
		{"header in a query", "https://h/x?authorization=Bearer%20eyJ0eXAi.eyJhdWQi.c2ln%2B&x=1", "https://h/x?authorization=Bearer%20REDACTED&x=1"},
		{"bearer form-encoded", "auth=Bearer+abc123def456&x=1", "auth=Bearer+REDACTED&x=1"},
		{"SharedKeyLite", "sent SharedKeyLite acct:c2lnbmF0dXJl", "sent SharedKeyLite REDACTED"},
		{"basic", "Basic dXNlcjpwYXNz", "Basic REDACTED"},
		{"bearer prose stays", "the bearer token goes only to hosts; Basic authentication", "the bearer token goes only to hosts; Basic authentication"},
		{"bare JWT", "token " + jwtToken + ".", "token REDACTED."},
		{"JWT in JSON", `{"t":"` + jwtToken + `"}`, `{"t":"REDACTED"}`},
		{"eyJ word stays", "eyJump.x", "eyJump.x"},
		// Account keys and connection strings.
		{"connection string", "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0==;EndpointSuffix=core.windows.net", "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=REDACTED;EndpointSuffix=core.windows.net"},
		{"connection string first", "AccountKey=c2VjcmV0==;AccountName=a", "AccountKey=REDACTED;AccountName=a"},
		{"service bus", "Endpoint=sb://ns/;SharedAccessKeyName=Root;SharedAccessKey=c2VjcmV0=", "Endpoint=sb://ns/;SharedAccessKeyName=Root;SharedAccessKey=REDACTED"},
		{"SQL password", "Server=s;User Id=u;Password=p4ss;", "Server=s;User Id=u;Password=REDACTED;"},
		{"bare account key", "key " + azuriteKey + " end", "key REDACTED end"},
		{"account key after slash", "x " + "/" + azuriteKey[1:] + ".", "x REDACTED."},
		{"listSecrets", `{"secretsType":"AccountKey","key":"` + azuriteKey + `"}`, `{"secretsType":"AccountKey","key":"REDACTED"}`},
		{"listSecrets SAS", `{"secretsType":"Sas","sasToken":"?sv=1&sp=r"}`, `{"secretsType":"Sas","sasToken":"REDACTED"}`},
		{"listKeys", `{"keys":[{"keyName":"key1","value":"` + azuriteKey + `","permissions":"FULL"}]}`, `{"keys":[{"keyName":"key1","value":"REDACTED","permissions":"FULL"}]}`},
		{"key1 field with escapes", `{"key1" : "a\"b\\c", "key2":"x"}`, `{"key1" : "REDACTED", "key2":"REDACTED"}`},
		{"nested key field", `{"m":"{\"key\":\"abc\"}"}`, `{"m":"{\"key\":\"REDACTED\"}"}`},
		{"non-secret fields stay", `{"keyName":"key1","value":"short","secretsType":"AccountKey","tokenType":"x"}`, `{"keyName":"key1","value":"short","secretsType":"AccountKey","tokenType":"x"}`},
		{"87 characters stay", azuriteKey[1:], azuriteKey[1:]},
		// Nothing to redact.
		{"empty", "", ""},
		{"plain", "batch job batchjob-1 ended Failed (UserError): bad file", "batch job batchjob-1 ended Failed (UserError): bad file"},
		{"datastore URI", "azureml://datastores/workspaceblobstore/paths/x/y.csv", "azureml://datastores/workspaceblobstore/paths/x/y.csv"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := String(c.in)
			assert.Equal(t, c.want, got)
			assert.Equal(t, got, String(got), "idempotent")
			if json.Valid([]byte(c.in)) {
				assert.True(t, json.Valid([]byte(got)), "JSON stays valid: %s", got)
			}
		})
	}
}

// TestJSONErrorBodyKeepsCode: a service error body that echoes a SAS URL in
// every encoding is redacted and still decodes, so its error code survives.
func TestJSONErrorBodyKeepsCode(t *testing.T) {
	const sas = "https://acct.blob.core.windows.net/c/f.csv?sv=2024-01-01&sr=b&sp=r&sig=S3cr3t%2Bsig%3D"
	msg := "bad input " + sas + " | " + url.QueryEscape(sas) + " | " + url.QueryEscape(url.QueryEscape(sas))
	body, err := json.Marshal(map[string]any{"error": map[string]any{"code": "UserError", "message": msg,
		"details": []any{map[string]string{"code": "Invalid", "message": `{"Uri":"` + sas + `"}`}}}})
	require.NoError(t, err)
	require.Contains(t, string(body), `\u0026sig=`, "Go's encoder escapes &")
	out := String(string(body))
	for _, secret := range []string{"S3cr3t", url.QueryEscape("S3cr3t%2Bsig")} {
		assert.NotContains(t, out, secret)
	}
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &e), out)
	assert.Equal(t, "UserError", e.Error.Code)
	assert.Contains(t, e.Error.Message, "sig=REDACTED")
}

func TestStringDoesNotAllocateWithoutSecrets(t *testing.T) {
	s := strings.Repeat("batch job batchjob-1 ended Failed: see https://ml.azure.com/runs/x?wsid=/subscriptions/s ", 20)
	allocs := testing.AllocsPerRun(100, func() { _ = String(s) })
	assert.Zero(t, allocs)
}

func BenchmarkString(b *testing.B) {
	plain := strings.Repeat("POST https://h/subscriptions/s/resourceGroups/r/providers/x?api-version=2024-10-01 RESPONSE 400 ", 10)
	secret := `{"error":{"code":"UserError","message":"https://a/c?sv=1\u0026sig=abc\u0026se=2 Authorization: Bearer ` + jwtToken + `"}}`
	b.Run("plain", func(b *testing.B) {
		b.SetBytes(int64(len(plain)))
		for b.Loop() {
			_ = String(plain)
		}
	})
	b.Run("secrets", func(b *testing.B) {
		b.SetBytes(int64(len(secret)))
		for b.Loop() {
			_ = String(secret)
		}
	})
}

package redact

import (
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// embed places a secret derived from seed into text in one of the forms the
// redactor knows, and returns the text and the secret's spellings that must not
// survive redaction.
func embed(prefix string, seed []byte, form uint8) (string, []string) {
	sig := base64.StdEncoding.EncodeToString(seed) // + / = like a real SAS signature
	sasURL := "https://acct.blob.core.windows.net/c/p.csv?sv=2024-01-01&sr=b&sig=" + url.QueryEscape(sig) + "&se=2030-01-01"
	forms := []string{sig, url.QueryEscape(sig), url.QueryEscape(url.QueryEscape(sig))}
	var body string
	switch form % 10 {
	case 0:
		body = " " + sasURL
	case 1:
		body = " https://a/c?sp=r&sig=" + sig + "#x"
	case 2:
		body = " u=" + url.QueryEscape(sasURL)
	case 3:
		body = " u=" + url.QueryEscape(url.QueryEscape(sasURL))
	case 4:
		b, _ := json.Marshal(map[string]string{"message": prefix + sasURL})
		return string(b), forms
	case 5:
		pw := hex.EncodeToString(seed)
		return prefix + " https://user:" + pw + "@acct.blob.core.windows.net/c", []string{pw}
	case 6:
		tok := "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(seed)
		return prefix + "\nAuthorization: Bearer " + tok, []string{base64.RawURLEncoding.EncodeToString(seed)}
	case 7:
		k := sha512.Sum512(seed)
		key := base64.StdEncoding.EncodeToString(k[:])
		return prefix + " key " + key + " ", []string{key, key[:40]}
	case 8:
		b, _ := json.Marshal(map[string]any{"secretsType": "AccountKey", "key": prefix + sig})
		return string(b), []string{sig}
	case 9:
		return prefix + " DefaultEndpointsProtocol=https;AccountName=a;AccountKey=" + sig + ";EndpointSuffix=x", []string{sig}
	}
	return prefix + body + " end", forms
}

// FuzzRedact: no known form of a seeded secret survives; String never panics,
// is idempotent, and keeps valid JSON valid.
func FuzzRedact(f *testing.F) {
	f.Add("", []byte("0123456789abcdef"), uint8(0))
	f.Add(`{"a":"b"}`, []byte("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8"), uint8(4))
	f.Add("Authorization: Bearer x", []byte("secret-pw!"), uint8(5))
	f.Add(`"key":"`, []byte("abcdefgh"), uint8(8))
	f.Add("%26sig%3D", []byte("zzzzzzzzzz"), uint8(3))
	f.Add(`\u0026sig=a\"`, []byte("key material"), uint8(7))
	f.Fuzz(func(t *testing.T, prefix string, seed []byte, form uint8) {
		// Arbitrary text: never panics, idempotent, JSON stays JSON.
		once := String(prefix)
		if twice := String(once); twice != once {
			t.Fatalf("not idempotent:\n in: %q\n 1x: %q\n 2x: %q", prefix, once, twice)
		}
		if json.Valid([]byte(prefix)) && !json.Valid([]byte(once)) {
			t.Fatalf("broke JSON:\n in: %q\nout: %q", prefix, once)
		}
		if utf8.ValidString(prefix) && !utf8.ValidString(once) {
			t.Fatalf("broke UTF-8:\n in: %q\nout: %q", prefix, once)
		}
		if len(seed) < 6 {
			return // too short to be told from other text
		}
		text, secrets := embed(prefix, seed, form)
		for _, s := range secrets {
			if strings.Contains(prefix, s) || strings.Contains(prefix, s[:len(s)/2]) {
				return // the prefix itself spells the secret
			}
		}
		out := String(text)
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Fatalf("secret %q survived (form %d):\n in: %q\nout: %q", s, form%10, text, out)
			}
		}
		if json.Valid([]byte(text)) && !json.Valid([]byte(out)) {
			t.Fatalf("broke JSON:\n in: %q\nout: %q", text, out)
		}
		if String(out) != out {
			t.Fatalf("not idempotent: %q", out)
		}
	})
}

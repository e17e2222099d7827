package azurite

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// AccountsEnv returns the AZURITE_ACCOUNTS environment entry (for
// Options.Env) that serves the development account devstoreaccount1 and the
// named extra accounts. Azurite drops devstoreaccount1 once AZURITE_ACCOUNTS
// is set, so it is listed first. Each extra account's key is derived from its
// name (AccountKeyFor): these accounts stand in for public data, where the key
// is no secret.
func AccountsEnv(names ...string) string {
	parts := []string{devAccountName + ":" + devAccountKey}
	for _, n := range names {
		parts = append(parts, n+":"+AccountKeyFor(n))
	}
	return "AZURITE_ACCOUNTS=" + strings.Join(parts, ";")
}

// AccountKeyFor is the account key AccountsEnv gives an extra account: a
// base64 string of 64 bytes, as Azurite expects.
func AccountKeyFor(name string) string {
	a := sha256.Sum256([]byte("azmlbatch local account " + name))
	b := sha256.Sum256(a[:])
	return base64.StdEncoding.EncodeToString(append(a[:], b[:]...))
}

package emulator

import (
	"fmt"
	"net/url"
	"strings"
)

// AddPublicBlobAccount makes https://<account>.blob.core.windows.net, a public
// storage account such as the how-to's azuremlexampledata, reach the Azurite
// account at serviceURL (path-style, https://127.0.0.1:PORT/<account>): the
// storage proxy routes the host there, and jobs read storage URLs under it
// with key, as the real service reads a public account. Clients read its
// public containers anonymously through the proxy, as they read the real one.
func (s *Server) AddPublicBlobAccount(account, serviceURL, key string) error {
	u, err := url.Parse(serviceURL)
	if err != nil || !isLoopbackHost(u.Hostname()) || account == "" || strings.ContainsAny(account, "./:") {
		return fmt.Errorf("emulator: public account %q at %q: want an account name and a loopback service URL", account, serviceURL)
	}
	host := strings.ToLower(account + ".blob.core.windows.net")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blobHosts[host] = u.Scheme + "://" + u.Host
	s.addAccountLocked(storageAccount{serviceURL: "https://" + host + "/", name: account, key: key,
		target: strings.TrimRight(serviceURL, "/") + "/"})
	return nil
}

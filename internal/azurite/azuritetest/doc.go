// Package azuritetest starts Azurite from tests and provides the pieces tests need
// around it: a self-signed TLS certificate for HTTPS mode and a bearer credential
// whose unsigned JWT Azurite's --oauth basic mode accepts.
//
// Tests that need Azurite fail, never skip, when it cannot start: CI installs it,
// so a failure to start is a real problem.
//
//	inst := azuritetest.StartT(t, nil)          // stopped by t.Cleanup
//	inst, cert := azuritetest.StartHTTPST(t, nil) // HTTPS + --oauth basic; cert.HTTPClient() trusts it
package azuritetest

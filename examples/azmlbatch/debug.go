package main

import (
	"fmt"
	"io"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/log"
)

// enableDebugLog sends azcore's request, response, retry and error events to
// w until the returned function is called. azcore redacts them: Authorization
// and other secret headers, and query values (a SAS's sig) show as REDACTED;
// the library never logs bodies.
func enableDebugLog(w io.Writer) func() {
	log.SetEvents(log.EventRequest, log.EventResponse, log.EventResponseError, log.EventRetryPolicy, log.EventLRO)
	log.SetListener(func(e log.Event, msg string) { fmt.Fprintf(w, "DEBUG: %s: %s\n", e, msg) })
	return func() { log.SetListener(nil) }
}

package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// apiError is an error answer. ARM's own errors (auth, api-version, resource
// group) use the lean ARM envelope; errors from the Machine Learning service use
// the AzureML envelope, a superset with severity, innerError and correlation.
type apiError struct {
	status    int
	code      string
	message   string
	innerCode string // AzureML innerError.code, e.g. NotFoundError
	target    string
	azureML   bool
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

func armError(status int, code, message string) *apiError {
	return &apiError{status: status, code: code, message: message}
}

// userError is the AzureML UserError the service answers for invalid requests.
func userError(status int, innerCode, message string) *apiError {
	return &apiError{status: status, code: "UserError", message: message, innerCode: innerCode, azureML: true}
}

func notFound(format string, args ...any) *apiError {
	return userError(http.StatusNotFound, "NotFoundError", fmt.Sprintf(format, args...))
}

func badRequest(format string, args ...any) *apiError {
	return userError(http.StatusBadRequest, "BadArgument", fmt.Sprintf(format, args...))
}

// body renders the envelope. requestID and location fill the AzureML correlation fields.
func (e *apiError) body(requestID, location string) []byte {
	var v any = armErrorBody{Error: armErrorDetail{Code: e.code, Message: e.message}}
	if e.azureML {
		d := azureMLErrorDetail{Code: e.code, Message: e.message, Details: []struct{}{}}
		if e.innerCode != "" {
			d.InnerError = &azureMLInnerError{Code: e.innerCode}
		}
		if e.target != "" {
			d.Target = &e.target
		}
		v = azureMLErrorBody{Error: d, Correlation: correlation{Operation: requestID, Request: requestID},
			Environment: location, Location: location, Time: time.Now().UTC().Format(time.RFC3339Nano),
			ComponentName: "azmlbatch-emulator"}
	}
	b, _ := json.Marshal(v)
	return b
}

// validationItem is one entry of the FluentValidation list the service embeds in
// the message of a rejected job request.
type validationItem struct {
	PropertyName   string
	ErrorMessage   string
	AttemptedValue any
	ErrorCode      string
}

// validationError renders items the way the batch service does:
// a fixed first line, "Errors:" and an indented JSON list.
func validationError(items ...validationItem) *apiError {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(items)
	msg := "The Job request provided has the following validation errors. Please resolve them and try again.\nErrors:\n" +
		string(bytes.TrimRight(buf.Bytes(), "\n"))
	return userError(http.StatusBadRequest, "ValidationError", msg)
}

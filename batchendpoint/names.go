package batchendpoint

import (
	"fmt"
	"github.com/azmlbatch/azmlbatch/internal/names"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Naming rules checked before any request. Each names its source; a name the
// service would refuse (or that would change the meaning of a URL path or a
// header) never leaves the process.

// onlineName is the endpoint and deployment rule of azure-ai-ml's
// validate_endpoint_or_deployment_name (EndpointConfigurations: 3-32
// characters, ^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$). Both names end up in
// ARM URL paths and the deployment in the azureml-model-deployment header.
// Checked by hand (validOnlineName): every Invoke checks two such names, and
// the regexp's backtracking cost ~2.5 µs of an invoke (pprof of BenchmarkInvoke).

// ValidateEndpointName checks a batch endpoint name without network I/O; it
// returns a *ValidationError naming "endpoint" and the fix. Invoke and
// GetEndpoint apply it too; it is public for tools that check a whole command
// offline before they build a credential, with InvokeRequest.Validate (as the
// azmlbatch example CLI's --validate does).
func ValidateEndpointName(name string) error { return validateEndpointName(name) }

func validateEndpointName(name string) error {
	if name == "" {
		return &ValidationError{Field: "endpoint", Problem: "the endpoint name is empty", Fix: "give the batch endpoint's name"}
	}
	if !validOnlineName(name) {
		return &ValidationError{Field: "endpoint", Value: printable(name), Problem: "batch endpoint names are 3-32 characters: letters, digits and '-', starting with a letter and not ending with '-'", Fix: "use the name shown by az ml batch-endpoint list"}
	}
	return nil
}

func validOnlineName(name string) bool {
	if len(name) < 3 || len(name) > 32 || !isASCIILetter(name[0]) || name[len(name)-1] == '-' {
		return false
	}
	for i := 1; i < len(name); i++ {
		if c := name[i]; c != '-' && !isASCIILetter(c) && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// validateDeploymentName applies the deployment rule (the endpoint rule, see onlineName).
func validateDeploymentName(field, name string) error {
	if name == "" {
		return &ValidationError{Field: field, Problem: "the deployment name is empty", Fix: "give the deployment's name, or leave it out for the endpoint's default deployment"}
	}
	if !validOnlineName(name) {
		return &ValidationError{Field: field, Value: printable(name), Problem: "deployment names are 3-32 characters: letters, digits and '-', starting with a letter and not ending with '-'", Fix: "use the name shown by az ml batch-deployment list"}
	}
	return nil
}

// experimentName is azureml-core's experiment rule (Experiment: "start with a
// letter or a number, and can only contain letters, numbers, underscores, and
// dashes", at most 255 characters); Studio and Run History key runs by it.
var experimentName = names.Rule{First: names.ASCIIAlnum, Rest: names.ASCIIAlnumOr("_-"), Max: 255}

func validateExperimentName(name string) error {
	if experimentName.MatchString(name) {
		return nil
	}
	fixed := strings.Trim(regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(name, "-"), "-_")
	fix := "use letters, digits, '_' and '-' only, starting with a letter or digit, at most 255 characters"
	if fixed != "" && experimentName.MatchString(fixed) {
		fix = fmt.Sprintf("use %s", fixed)
	}
	return &ValidationError{Field: "ExperimentName", Value: printable(name), Problem: "experiment names contain only letters, digits, '_' and '-', start with a letter or digit and have at most 255 characters", Fix: fix}
}

// maxJobNameLen bounds the display name as ARM bounds resource names (255, the
// {0,254} of Microsoft.MachineLearningServices' name pattern).
const maxJobNameLen = 255

// validateJobName checks the display name (properties.name). The service keeps it
// as free text, so spaces are allowed; control and line-separator characters are
// not (they break Studio, logs and job listings), nor is invalid UTF-8.
func validateJobName(name string) error {
	bad := func(problem, fix string) error {
		return &ValidationError{Field: "JobName", Value: printable(name), Problem: problem, Fix: fix}
	}
	switch {
	case !utf8.ValidString(name):
		return bad("the job name is not valid UTF-8", "give a plain text name such as nightly-scoring-2024-05-01")
	case strings.TrimSpace(name) == "":
		return bad("the job name is only white space", "give a name, or leave it empty to let the service generate one")
	case strings.TrimSpace(name) != name:
		return bad("the job name starts or ends with white space", "remove the leading and trailing spaces")
	case utf8.RuneCountInString(name) > maxJobNameLen:
		return bad(fmt.Sprintf("the job name is longer than %d characters", maxJobNameLen), "give a shorter name")
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Cf, r) {
			return bad("the job name contains a control or invisible formatting character (a line break, tab or similar)", "give the name on one line, without control characters")
		}
	}
	return nil
}

// maxRepeatabilityIDLen: Azure's REST API guidelines leave the id opaque; 255
// printable characters holds a UUID with room to spare and stays one header line.
const maxRepeatabilityIDLen = 255

// validateRepeatabilityID checks an id given in InvokeOptions.RepeatabilityID: it
// is sent as a header value, so only visible ASCII (no space, CR, LF) is allowed.
func validateRepeatabilityID(id string) error {
	if id == "" {
		return nil
	}
	if len(id) > maxRepeatabilityIDLen {
		return &ValidationError{Field: "InvokeOptions.RepeatabilityID", Value: printable(id[:40]) + "...", Problem: fmt.Sprintf("the repeatability id is longer than %d characters", maxRepeatabilityIDLen), Fix: "use a UUID, or the id from an AmbiguousInvokeError"}
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f {
			return &ValidationError{Field: "InvokeOptions.RepeatabilityID", Value: printable(id), Problem: "the repeatability id is sent as a header and may contain only visible ASCII characters (no spaces or line breaks)", Fix: "use a UUID, or the id from an AmbiguousInvokeError"}
		}
	}
	return nil
}

// Workspace parts, from Azure's resource naming rules (Microsoft.Resources and
// Microsoft.MachineLearningServices, learn.microsoft.com "Naming rules and
// restrictions for Azure resources"): resource groups are 1-90 characters of
// letters, digits, '_', '-', '.', '(' and ')' not ending in '.'; workspaces are
// 3-33 characters of letters, digits, '_' and '-' starting with a letter or digit.
var (
	resourceGroupName = names.Rule{Rest: func(c rune) bool {
		return unicode.IsLetter(c) || unicode.IsNumber(c) || strings.ContainsRune("-_.()", c)
	}, Max: 90}
	workspaceName  = names.Rule{First: names.ASCIIAlnum, Rest: names.ASCIIAlnumOr("_-"), Min: 3, Max: 33}
	subscriptionID = names.Rule{First: names.ASCIIAlnum, Rest: names.ASCIIAlnumOr("-"), Max: 64}
)

// validateWorkspaceNames applies those rules; Workspace.validate (client.go)
// checks emptiness and URL characters. Subscription ids are GUIDs in Azure; only
// their character set is enforced so emulators may use short ids.
func validateWorkspaceNames(w Workspace) error {
	switch {
	case w.SubscriptionID != "" && !subscriptionID.MatchString(w.SubscriptionID):
		return &ValidationError{Field: "Workspace.SubscriptionID", Value: printable(w.SubscriptionID), Problem: "a subscription id is a GUID (letters, digits and '-')", Fix: "copy the id from az account show --query id"}
	case w.ResourceGroup != "" && (!resourceGroupName.MatchString(w.ResourceGroup) || strings.HasSuffix(w.ResourceGroup, ".")):
		return &ValidationError{Field: "Workspace.ResourceGroup", Value: printable(w.ResourceGroup), Problem: "resource group names are 1-90 letters, digits, '_', '-', '.', '(' or ')' and do not end with '.'", Fix: "use the name shown by az group list"}
	case w.Name != "" && !workspaceName.MatchString(w.Name):
		return &ValidationError{Field: "Workspace.Name", Value: printable(w.Name), Problem: "workspace names are 3-33 letters, digits, '_' or '-', starting with a letter or digit", Fix: "use the name shown by az ml workspace list"}
	}
	return nil
}

// printable shows a rejected name in an error: Go escapes for control
// characters and invalid UTF-8, so an error is always one line and a header
// injection attempt shows as \r\n instead of breaking the log line.
func printable(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// validateJobResourceName checks a job's resource name (batchjob-<uuid>,
// pipelinejob-<uuid>, or a name given at creation), which goes into URL paths.
// Microsoft.MachineLearningServices names its resources with the pattern
// ^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$ (the generated ARM types in
// Azure/bicep-types-az); job names follow it.
func validateJobResourceName(field, name string) error {
	ok := name != "" && len(name) <= 255 && isAlnum(name[0])
	for i := 1; ok && i < len(name); i++ {
		ok = isAlnum(name[i]) || name[i] == '-' || name[i] == '_'
	}
	if !ok {
		return &ValidationError{Field: field, Value: printable(name), Problem: "not a job name: 1-255 letters, digits, '-' or '_', starting with a letter or digit",
			Fix: "give the job's name as Job.Name or az ml job list prints it, e.g. batchjob-<uuid>"}
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

package batchendpoint

// Body logging.
//
// azcore's logging policy writes request and response bodies verbatim to the
// log listener when ClientOptions.Logging.IncludeBody is set, from inside the
// pipeline, after every policy the SDK can add: the SDK cannot redact what it
// writes. Nearly every body of this service carries a secret: the invoke POST
// and every job GET and list carry storage URL inputs with their SAS, the
// datastore listSecrets answer carries the storage account key, and service
// errors echo inputs. So the client never enables body logging: IncludeBody is
// cleared for its ARM, data-plane and storage pipelines. Request lines, status
// lines and headers are still logged, with azcore's sanitizer (Authorization and
// query values other than the allowed ones show as REDACTED). Service errors
// reach the log (log.EventResponseError) with their body redacted by the SDK's
// redactor, because the SDK builds every *azcore.ResponseError from a redacted
// copy of the response.

// withoutBodyLogging returns o with Logging.IncludeBody cleared; see above.
func withoutBodyLogging(o ClientOptions) ClientOptions {
	o.Logging.IncludeBody = false
	return o
}

package batchendpoint

// ptr returns a pointer to v, for the optional fields of wire bodies in the
// internal tests (local trees come from internal/localdata/localdatatest).
func ptr[T any](v T) *T { return &v }

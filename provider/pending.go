package provider

// pending.go holds the provider methods and types that are still being
// written. Whoever implements one deletes it here and writes it in its own
// file; this file must be empty (and deleted) before issue 3 is resolved.

import "github.com/gohsm/gohsm/ck"

const notYet = ck.CKR_FUNCTION_NOT_SUPPORTED

// --- cryptographic operations (crypto.go and friends) ---
// Output buffers: out == nil is a length query (returns the length, the
// operation stays active); a short out returns the needed length with
// CKR_BUFFER_TOO_SMALL (the operation stays active); anything else ends a
// single-part operation.

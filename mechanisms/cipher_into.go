package mechanisms

// CipherInto is implemented by a CipherContext that can write a single-part
// result (C_Encrypt, C_Decrypt) straight into the caller's buffer, instead
// of returning a new slice that provider then copies: for a 1 MiB message
// that is a 1 MiB allocation and copy saved per call. provider calls it only
// when dst has room for OutputLen(len(in)) bytes and dst does not overlap
// in, or starts at the same byte (in-place use); otherwise it calls Do. It
// returns the length written; the operation state moves on exactly as Do's.
type CipherInto interface {
	DoInto(dst, in []byte) (int, error)
}

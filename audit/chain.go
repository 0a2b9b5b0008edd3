// Package audit is gohsm's tamper-evident audit log: what a record holds,
// how records are chained with HMAC-SHA256 under a per-token key derived
// from the installation secret, and how a chain is verified.
//
// MAC_i = HMAC-SHA256(K, MAC_{i-1} || canonical(record_i)), with MAC_0 empty
// and K = HKDF-SHA256(installation secret, info "gohsm audit"||serial). The
// chain's head (its last Seq and MAC) is stored with its own MAC, so that
// removing the last records shows too. Whoever holds the installation secret
// can rewrite the log; whoever holds only the database cannot, unnoticed.
package audit

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"

	"github.com/gohsm/gohsm/store"
)

// encodingVersion starts every canonical encoding, so that a later format
// can never be confused with this one.
const encodingVersion = 1

// chainKey derives the MAC key of one chain (one token serial).
func chainKey(secret []byte, serial string) ([]byte, error) {
	return hkdf.Key(sha256.New, secret, nil, "gohsm audit"+serial, 32)
}

// canonical is the unambiguous encoding of every field a MAC covers: fixed
// width integers and length-prefixed strings, in a fixed order. ID is not
// covered (the store assigns it after the MAC is made); verify checks instead
// that IDs rise with Seq.
func canonical(r *store.AuditRecord) []byte {
	b := make([]byte, 0, 160+len(r.Label)+len(r.Target))
	b = append(b, encodingVersion)
	str := func(s string) {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	num := func(v int64) { b = binary.BigEndian.AppendUint64(b, uint64(v)) }
	str(r.Serial)
	num(r.Seq)
	num(r.Time.UnixNano())
	num(r.TokenID)
	str(r.User)
	str(r.Role)
	num(int64(r.PID))
	str(r.Exe)
	str(r.Op)
	str(r.Command)
	num(r.Object)
	str(r.Class)
	str(r.Label)
	str(r.Target)
	str(r.Result)
	return b
}

// recordMAC is MAC_i for record r after prev.
func recordMAC(key, prev []byte, r *store.AuditRecord) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(prev)
	h.Write(canonical(r))
	return h.Sum(nil)
}

// headMAC authenticates a chain's head: its last Seq and MAC.
func headMAC(key []byte, seq int64, mac []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("head"))
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(seq)))
	h.Write(mac)
	return h.Sum(nil)
}

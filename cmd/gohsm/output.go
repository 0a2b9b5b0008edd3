package main

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/gohsm/gohsm/ck"
)

// printJSON writes v indented, for --json.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// tokenFlagNames names the CK_TOKEN_INFO flags for people and for --json.
var tokenFlagNames = []struct {
	flag ck.Flags
	name string
}{
	{ck.CKF_TOKEN_INITIALIZED, "token_initialized"},
	{ck.CKF_USER_PIN_INITIALIZED, "user_pin_initialized"},
	{ck.CKF_LOGIN_REQUIRED, "login_required"},
	{ck.CKF_RNG, "rng"},
	{ck.CKF_CLOCK_ON_TOKEN, "clock_on_token"},
	{ck.CKF_WRITE_PROTECTED, "write_protected"},
	{ck.CKF_RESTORE_KEY_NOT_NEEDED, "restore_key_not_needed"},
	{ck.CKF_PROTECTED_AUTHENTICATION_PATH, "protected_authentication_path"},
	{ck.CKF_DUAL_CRYPTO_OPERATIONS, "dual_crypto_operations"},
	{ck.CKF_SECONDARY_AUTHENTICATION, "secondary_authentication"},
	{ck.CKF_USER_PIN_COUNT_LOW, "user_pin_count_low"},
	{ck.CKF_USER_PIN_FINAL_TRY, "user_pin_final_try"},
	{ck.CKF_USER_PIN_LOCKED, "user_pin_locked"},
	{ck.CKF_USER_PIN_TO_BE_CHANGED, "user_pin_to_be_changed"},
	{ck.CKF_SO_PIN_COUNT_LOW, "so_pin_count_low"},
	{ck.CKF_SO_PIN_FINAL_TRY, "so_pin_final_try"},
	{ck.CKF_SO_PIN_LOCKED, "so_pin_locked"},
	{ck.CKF_SO_PIN_TO_BE_CHANGED, "so_pin_to_be_changed"},
}

func tokenFlags(f ck.Flags) []string {
	names := []string{}
	for _, n := range tokenFlagNames {
		if f&n.flag != 0 {
			names = append(names, n.name)
		}
	}
	return names
}

// tokenState sums up a token in a few words for `token list`.
func tokenState(f ck.Flags) string {
	switch {
	case f&ck.CKF_TOKEN_INITIALIZED == 0:
		return "not initialised"
	case f&ck.CKF_SO_PIN_LOCKED != 0:
		return "CO locked"
	case f&ck.CKF_USER_PIN_LOCKED != 0:
		return "user locked"
	case f&ck.CKF_USER_PIN_INITIALIZED == 0:
		return "no user PIN"
	default:
		return "ready"
	}
}

// tokenView is one token as `token list` and `token info` show it.
type tokenView struct {
	Slot               uint64   `json:"slot"`
	Label              string   `json:"label"`
	Serial             string   `json:"serial"`
	Manufacturer       string   `json:"manufacturer"`
	Model              string   `json:"model"`
	State              string   `json:"state"`
	Initialized        bool     `json:"initialized"`
	UserPINInitialized bool     `json:"user_pin_initialized"`
	Flags              []string `json:"flags"`

	// Filled by `token info` only; -1 means the token does not say.
	Sessions   *countPair `json:"sessions,omitempty"`
	RWSessions *countPair `json:"rw_sessions,omitempty"`
	PINLength  *rangePair `json:"pin_length,omitempty"`
	Firmware   string     `json:"firmware,omitempty"`
	Hardware   string     `json:"hardware,omitempty"`
}

type countPair struct {
	Current int64 `json:"current"`
	Max     int64 `json:"max"`
}

type rangePair struct {
	Min int64 `json:"min"`
	Max int64 `json:"max"`
}

// ulong turns CK_UNAVAILABLE_INFORMATION into -1. A maximum of 0 is
// CK_EFFECTIVELY_INFINITE and stays 0.
func ulong(v ck.ULong) int64 {
	if v == ck.UnavailableInformation || v > 1<<62 {
		return -1
	}
	return int64(v)
}

func trim(s string) string { return strings.TrimRight(s, " \x00") }

func newTokenView(s slotToken, detail bool) tokenView {
	ti := s.info
	v := tokenView{
		Slot:               uint64(s.slot),
		Label:              trim(ti.Label),
		Serial:             trim(ti.SerialNumber),
		Manufacturer:       trim(ti.ManufacturerID),
		Model:              trim(ti.Model),
		State:              tokenState(ti.Flags),
		Initialized:        ti.Flags&ck.CKF_TOKEN_INITIALIZED != 0,
		UserPINInitialized: ti.Flags&ck.CKF_USER_PIN_INITIALIZED != 0,
		Flags:              tokenFlags(ti.Flags),
	}
	if detail {
		v.Sessions = &countPair{ulong(ti.SessionCount), ulong(ti.MaxSessionCount)}
		v.RWSessions = &countPair{ulong(ti.RwSessionCount), ulong(ti.MaxRwSessionCount)}
		v.PINLength = &rangePair{ulong(ti.MinPinLen), ulong(ti.MaxPinLen)}
		v.Firmware = ti.FirmwareVersion.String()
		v.Hardware = ti.HardwareVersion.String()
	}
	return v
}

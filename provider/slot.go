package provider

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/seal"
)

// PIN length limits, reported in CK_TOKEN_INFO. A PIN may be "name:password",
// so the maximum leaves room for a 31-character user name.
const (
	minPINLen = 4
	maxPINLen = 128
)

// defaultCOName is the Crypto Officer that C_InitToken makes when the SO PIN
// names nobody (CloudHSM's first officer is "admin" too).
const defaultCOName = "admin"

// slotView is the slot list as the store has it now: tokens sorted by slot ID
// and the one free slot (uninitialised token) after them. Slot IDs are stored
// with their tokens, so they are the same in every process.
type slotView struct {
	tokens []store.Token
	free   ck.SlotID
}

func (m *Module) slots() (slotView, error) {
	ts, err := m.store.Tokens()
	if err != nil {
		return slotView{}, err
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].SlotID < ts[j].SlotID })
	v := slotView{tokens: ts}
	if n := len(ts); n > 0 {
		v.free = ck.SlotID(ts[n-1].SlotID + 1)
	}
	return v, nil
}

// token finds the initialised token in slot id. free reports the free slot.
func (v slotView) token(id ck.SlotID) (t store.Token, free bool, err error) {
	if id == v.free {
		return store.Token{}, true, nil
	}
	for _, t := range v.tokens {
		if ck.SlotID(t.SlotID) == id {
			return t, false, nil
		}
	}
	return store.Token{}, false, ck.CKR_SLOT_ID_INVALID
}

// tokenState returns this process's state for token t, making it once.
func (m *Module) tokenState(t store.Token) *tokenState {
	m.mu.RLock()
	ts := m.tokens[t.ID]
	m.mu.RUnlock()
	if ts != nil {
		return ts
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if ts = m.tokens[t.ID]; ts == nil {
		ts = &tokenState{id: t.ID, slotID: ck.SlotID(t.SlotID)}
		m.tokens[t.ID] = ts
	}
	return ts
}

// SlotList is C_GetSlotList. The free slot always has a (blank) token present.
func (m *Module) SlotList(tokenPresent bool) ([]ck.SlotID, error) {
	v, err := m.slots()
	if err != nil {
		return nil, err
	}
	ids := make([]ck.SlotID, 0, len(v.tokens)+1)
	for _, t := range v.tokens {
		ids = append(ids, ck.SlotID(t.SlotID))
	}
	return append(ids, v.free), nil
}

// SlotInfo is C_GetSlotInfo.
func (m *Module) SlotInfo(id ck.SlotID) (ck.SlotInfo, error) {
	v, err := m.slots()
	if err != nil {
		return ck.SlotInfo{}, err
	}
	if _, _, err := v.token(id); err != nil {
		return ck.SlotInfo{}, err
	}
	return ck.SlotInfo{
		SlotDescription: "gohsm software slot",
		ManufacturerID:  manufacturer,
		Flags:           ck.CKF_TOKEN_PRESENT,
		HardwareVersion: Version,
		FirmwareVersion: Version,
	}, nil
}

// TokenInfo is C_GetTokenInfo, with the PIN counters of the default users.
func (m *Module) TokenInfo(id ck.SlotID) (ck.TokenInfo, error) {
	v, err := m.slots()
	if err != nil {
		return ck.TokenInfo{}, err
	}
	t, free, err := v.token(id)
	if err != nil {
		return ck.TokenInfo{}, err
	}
	info := ck.TokenInfo{
		ManufacturerID:    manufacturer,
		Model:             "gohsm",
		Flags:             ck.CKF_RNG | ck.CKF_LOGIN_REQUIRED | ck.CKF_CLOCK_ON_TOKEN | ck.CKF_DUAL_CRYPTO_OPERATIONS,
		MaxSessionCount:   ck.EffectivelyInfinite,
		MaxRwSessionCount: ck.EffectivelyInfinite,
		MaxPinLen:         maxPINLen,
		MinPinLen:         minPINLen,
		HardwareVersion:   Version,
		FirmwareVersion:   Version,
		UTCTime:           time.Now().UTC(),
	}
	info.TotalPublicMemory, info.FreePublicMemory = diskSpace(m.cfg.StoreDir)
	info.TotalPrivateMemory, info.FreePrivateMemory = info.TotalPublicMemory, info.FreePublicMemory
	if free {
		info.Label = ""
		info.SerialNumber = ""
		return info, nil
	}
	info.Label = t.Label
	info.SerialNumber = t.Serial
	info.Flags |= ck.CKF_TOKEN_INITIALIZED
	users, err := m.store.Users(t.ID)
	if err != nil {
		return ck.TokenInfo{}, err
	}
	if cu, ok := defaultUser(users, store.RoleCU); ok {
		info.Flags |= ck.CKF_USER_PIN_INITIALIZED
		info.Flags |= pinFlags(cu, m.cfg.MaxLoginFailures, ck.CKF_USER_PIN_COUNT_LOW, ck.CKF_USER_PIN_FINAL_TRY, ck.CKF_USER_PIN_LOCKED)
	}
	if co, ok := defaultUser(users, store.RoleCO); ok {
		info.Flags |= pinFlags(co, m.cfg.MaxLoginFailures, ck.CKF_SO_PIN_COUNT_LOW, ck.CKF_SO_PIN_FINAL_TRY, ck.CKF_SO_PIN_LOCKED)
	}
	info.SessionCount, info.RwSessionCount = m.sessionCounts(t.ID)
	return info, nil
}

// pinFlags reports a user's failed-login counter as the CKF_*_PIN_* flags.
func pinFlags(u store.User, max int, low, final, locked ck.Flags) ck.Flags {
	switch {
	case u.Locked:
		return locked
	case u.FailedLogins > 0 && u.FailedLogins == max-1:
		return low | final
	case u.FailedLogins > 0:
		return low
	}
	return 0
}

// defaultUser is the user a bare PIN means: the default Crypto User (made by
// C_InitPIN with a bare PIN), else the oldest user of the role; for officers
// that is the one C_InitToken made.
func defaultUser(users []store.User, role store.Role) (store.User, bool) {
	var first *store.User
	for i := range users {
		u := &users[i]
		if u.Role != role {
			continue
		}
		if role == store.RoleCU && u.Default {
			return *u, true
		}
		if first == nil || u.ID < first.ID {
			first = u
		}
	}
	if first != nil {
		return *first, true
	}
	return store.User{}, false
}

func diskSpace(dir string) (total, free ck.ULong) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return ck.UnavailableInformation, ck.UnavailableInformation
	}
	return ck.ULong(st.Blocks) * ck.ULong(st.Bsize), ck.ULong(st.Bavail) * ck.ULong(st.Bsize)
}

// MechanismList is C_GetMechanismList: what the registry holds.
func (m *Module) MechanismList(id ck.SlotID) ([]ck.MechanismType, error) {
	if err := m.checkSlot(id); err != nil {
		return nil, err
	}
	return mechanisms.Types(), nil
}

// MechanismInfo is C_GetMechanismInfo, derived from the registry.
func (m *Module) MechanismInfo(id ck.SlotID, t ck.MechanismType) (ck.MechanismInfo, error) {
	if err := m.checkSlot(id); err != nil {
		return ck.MechanismInfo{}, err
	}
	mech, ok := mechanisms.Lookup(t)
	if !ok {
		return ck.MechanismInfo{}, ck.CKR_MECHANISM_INVALID
	}
	return mechanisms.MechanismInfo(mech), nil
}

func (m *Module) checkSlot(id ck.SlotID) error {
	v, err := m.slots()
	if err != nil {
		return err
	}
	_, _, err = v.token(id)
	return err
}

// InitToken is C_InitToken. On the free slot it creates a token whose first
// Crypto Officer has soPIN ("name:password" names the officer, a bare PIN
// makes "admin"). On an initialised token it checks soPIN and wipes the
// token: every object and every user but that officer.
func (m *Module) InitToken(id ck.SlotID, soPIN []byte, label string) (err error) {
	defer m.auditInitToken(id, soPIN, label, &err)
	label = strings.TrimRight(label, " \x00")
	v, err := m.slots()
	if err != nil {
		return err
	}
	t, free, err := v.token(id)
	if err != nil {
		return err
	}
	if free {
		name, pw := splitNewPIN(soPIN)
		if err := checkPINLen(pw); err != nil {
			return err
		}
		return m.createToken(id, label, name, pw)
	}
	if n, _ := m.sessionCounts(t.ID); n > 0 {
		return ck.CKR_SESSION_EXISTS
	}
	co, pw, err := m.resolveUser(t, store.RoleCO, soPIN, nil)
	if err != nil {
		return err
	}
	mk, err := m.checkPIN(co, pw)
	if err != nil {
		return err
	}
	seal.Wipe(mk)
	// A re-initialised token gets a fresh master key: nothing sealed under the old one survives.
	mk = seal.NewMasterKey()
	defer seal.Wipe(mk)
	if co.Secret, err = seal.WrapForPIN(pw, mk, m.kdf); err != nil {
		return err
	}
	co.FailedLogins, co.Locked = 0, false
	if err := m.store.ReinitToken(t.ID, label, co); err != nil {
		return err
	}
	m.tokenState(t).logout()
	m.log.WithField("slot", id).Info("gohsm: token re-initialised")
	return nil
}

func (m *Module) createToken(id ck.SlotID, label, coName string, pw []byte) error {
	mk := seal.NewMasterKey()
	defer seal.Wipe(mk)
	secret, err := seal.WrapForPIN(pw, mk, m.kdf)
	if err != nil {
		return err
	}
	serial := make([]byte, 8)
	if _, err := rand.Read(serial); err != nil {
		return err
	}
	t := store.Token{
		SlotID:           uint64(id),
		Serial:           hex.EncodeToString(serial),
		Label:            label,
		Created:          time.Now().UTC(),
		MaxLoginFailures: m.cfg.MaxLoginFailures,
	}
	co := store.User{Name: coName, Role: store.RoleCO, Secret: secret, Created: t.Created}
	if _, err := m.store.CreateToken(t, co); err != nil {
		if errors.Is(err, store.ErrExists) {
			// Another process initialised this free slot first.
			return ck.CKR_SLOT_ID_INVALID
		}
		return err
	}
	m.events.post(id)
	m.log.WithField("slot", id).Info("gohsm: token initialised")
	return nil
}

// WaitForSlotEvent is C_WaitForSlotEvent: a slot whose token appeared (made
// by this process or another one) since the last call.
func (m *Module) WaitForSlotEvent(flags ck.Flags) (ck.SlotID, error) {
	return m.events.wait(flags&ck.CKF_DONT_BLOCK != 0, m.slots)
}

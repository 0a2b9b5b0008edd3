package provider

// quorum.go: M-of-N approval in the CloudHSM model (issue 6). A policy
// turns quorum on, with M from 2 to 8, for one service:
//
//   - "user": user management (user.create, user.delete, user.passwd), set by
//     a Crypto Officer; the approvers are the token's officers.
//   - "backup": restoring a backup over this store (backup.restore), set by
//     an officer; the approvers are the token's officers.
//   - "key-management" on one key (key.destroy, key.set, key.share,
//     key.unshare) and "key-usage" on one key (key.use: every C_XxxInit with
//     it), set by the key's owner; the approvers are the Crypto Users who
//     hold the key: its owner and the users it is shared with (CloudHSM's
//     per-key quorum).
//
// Each approver registers a public key (RSA or Ed25519) with their own user
// (RegisterQuorumKey). A protected operation is described by a canonical
// string, "<action> name=value ...", such as "user.delete name=bob" or
// "key.destroy object=1234" (object: the key's store ID, `gohsm key info`).
// Whoever wants to run it asks for a quorum token bound to that string
// (RequestQuorum): random, valid for 10 minutes. Approvers sign its
// canonical bytes outside gohsm (quorum_token.go) and attach their
// signatures (ApproveQuorum, no login: the signature is the credential).
// The caller then attaches the token to its session (UseQuorumToken) and
// runs the operation: with M valid approvals from distinct approvers it
// runs, once; the token is consumed even if the operation then fails.
//
// A protected operation without a usable token is refused; through PKCS#11
// (which cannot carry a token) C_DestroyObject, C_SetAttributeValue and the
// C_XxxInit functions on a protected key answer CKR_FUNCTION_REJECTED, the
// code PKCS#11 3.0 gives a request that the token's holders did not approve.
// Changing or removing a policy is itself protected by that policy
// ("quorum.set service=... object=... m=...").

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
)

// Quorum services.
const (
	QuorumUsers         = "user"
	QuorumBackup        = "backup"
	QuorumKeyManagement = "key-management"
	QuorumKeyUsage      = "key-usage"
)

// Bounds of M and a token's lifetime.
const (
	MinQuorum           = 2
	MaxQuorum           = 8
	QuorumTokenLifetime = 10 * time.Minute
)

// Refusals of quorum; each wraps its ck.RV and can be matched with errors.Is.
var (
	ErrQuorumRequired      = fmt.Errorf("%w: quorum approval is required", ck.CKR_FUNCTION_REJECTED)
	ErrQuorumNotEnough     = fmt.Errorf("%w: the quorum token has too few valid approvals", ck.CKR_FUNCTION_REJECTED)
	ErrQuorumExpired       = fmt.Errorf("%w: the quorum token has expired", ck.CKR_FUNCTION_REJECTED)
	ErrQuorumConsumed      = fmt.Errorf("%w: the quorum token was already used", ck.CKR_FUNCTION_REJECTED)
	ErrQuorumWrongOp       = fmt.Errorf("%w: the quorum token approves another operation", ck.CKR_FUNCTION_REJECTED)
	ErrQuorumBadSignature  = fmt.Errorf("%w: the signature does not verify with the approver's registered key", ck.CKR_SIGNATURE_INVALID)
	ErrQuorumDuplicate     = fmt.Errorf("%w: this approver already approved the token", ck.CKR_ARGUMENTS_BAD)
	ErrQuorumNoKey         = fmt.Errorf("%w: the approver has no registered quorum key", ck.CKR_ARGUMENTS_BAD)
	ErrQuorumNotApprover   = fmt.Errorf("%w: the user may not approve this token", ck.CKR_ARGUMENTS_BAD)
	ErrQuorumUnknownToken  = fmt.Errorf("%w: no such quorum token", ck.CKR_ARGUMENTS_BAD)
	ErrQuorumBadKey        = fmt.Errorf("%w: a quorum key is an RSA (2048 bits or more) or Ed25519 public key", ck.CKR_ARGUMENTS_BAD)
	ErrQuorumBadM          = fmt.Errorf("%w: a quorum is %d to %d approvals (0 turns it off)", ck.CKR_ARGUMENTS_BAD, MinQuorum, MaxQuorum)
	ErrQuorumBadService    = fmt.Errorf("%w: the quorum services are user, backup, key-management and key-usage", ck.CKR_ARGUMENTS_BAD)
	ErrQuorumBadOp         = fmt.Errorf("%w: an operation is \"<action> name=value ...\" with a known action", ck.CKR_ARGUMENTS_BAD)
	ErrQuorumNotPolicyUser = fmt.Errorf("%w: officers set user and backup quorum, a key's owner sets its quorum", ck.CKR_USER_NOT_LOGGED_IN)
)

// actionService maps each protected action to its service.
var actionService = map[string]string{
	"user.create": QuorumUsers, "user.delete": QuorumUsers, "user.passwd": QuorumUsers,
	"backup.restore": QuorumBackup,
	"key.destroy":    QuorumKeyManagement, "key.set": QuorumKeyManagement,
	"key.share": QuorumKeyManagement, "key.unshare": QuorumKeyManagement,
	"key.use": QuorumKeyUsage,
}

func keyService(service string) bool {
	return service == QuorumKeyManagement || service == QuorumKeyUsage
}

func validService(service string) bool {
	return service == QuorumUsers || service == QuorumBackup || keyService(service)
}

// QuorumOp builds an operation's canonical description: the action, then
// "object=<id>" when id is not 0, then the arguments in the order given.
func QuorumOp(action string, object int64, args ...string) string {
	parts := []string{action}
	if object != 0 {
		parts = append(parts, "object="+strconv.FormatInt(object, 10))
	}
	return strings.Join(append(parts, args...), " ")
}

// parseQuorumOp checks an operation string and returns its service and object.
func parseQuorumOp(op string) (service string, object int64, err error) {
	fields := strings.Fields(op)
	if len(fields) == 0 || strings.Join(fields, " ") != op {
		return "", 0, ErrQuorumBadOp
	}
	service, ok := actionService[fields[0]]
	if fields[0] == "quorum.set" {
		ok = true
	}
	if !ok {
		return "", 0, fmt.Errorf("%w: unknown action %q", ErrQuorumBadOp, fields[0])
	}
	for _, f := range fields[1:] {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return "", 0, fmt.Errorf("%w: %q is not name=value", ErrQuorumBadOp, f)
		}
		switch k {
		case "object":
			if object, err = strconv.ParseInt(v, 10, 64); err != nil || object <= 0 {
				return "", 0, fmt.Errorf("%w: bad object %q", ErrQuorumBadOp, v)
			}
		case "service":
			if fields[0] == "quorum.set" {
				service = v
			}
		}
	}
	if !validService(service) || keyService(service) != (object != 0) {
		return "", 0, fmt.Errorf("%w: %q names no service or object", ErrQuorumBadOp, op)
	}
	return service, object, nil
}

// quorumState is the module's per-process quorum state.
type quorumState struct {
	attached sync.Map // ck.SessionHandle -> quorum token ID (UseQuorumToken)
	keyUse   sync.Map // store ID -> keyPolicy: key-usage M at an object version
}

type keyPolicy struct{ version, m int64 }

// QuorumPolicyInfo is one policy as QuorumPolicies lists it.
type QuorumPolicyInfo struct {
	Service string
	Object  int64 // key store ID, 0 for a token-wide service
	M       int
}

// QuorumTokenInfo is a token as RequestQuorum and QuorumTokenStatus show it.
type QuorumTokenInfo struct {
	ID        string
	Serial    string // the PKCS#11 token it belongs to
	Service   string
	Object    int64
	Op        string
	Requester string
	Created   time.Time
	Expires   time.Time
	Consumed  bool
	M         int      // the policy's M now (0: no policy)
	Approvers []string // who approved, in order
	Bytes     []byte   // the canonical bytes approvers sign
}

// policyOwner checks that the login of s may set the policy of service on
// object (a key handle for key services, else 0) and returns its store ID.
func (m *Module) policyOwner(s *Session, service string, oh ck.ObjectHandle) (int64, error) {
	if !validService(service) {
		return 0, ErrQuorumBadService
	}
	l := s.token.current()
	if !keyService(service) {
		if oh != 0 {
			return 0, fmt.Errorf("%w: %s quorum is token-wide (no key)", ErrQuorumBadService, service)
		}
		if !isSO(l) {
			return 0, ErrQuorumNotPolicyUser
		}
		return 0, nil
	}
	o, l, err := m.resolve(s, oh)
	if err != nil {
		return 0, err
	}
	if err := m.checkOwner(s, o, l, true); err != nil {
		return 0, fmt.Errorf("%w (%v)", ErrQuorumNotPolicyUser, err)
	}
	return o.dbID, nil
}

// SetQuorum turns quorum on for a service with M approvals (2..8), changes
// M, or turns it off (M 0). oh names the key for key services, else 0. Once
// a policy is on, changing it needs a quorum token approved under it.
func (m *Module) SetQuorum(h ck.SessionHandle, service string, oh ck.ObjectHandle, mApprovals int) (err error) {
	s, err := m.session(h)
	if err != nil {
		return err
	}
	if mApprovals != 0 && (mApprovals < MinQuorum || mApprovals > MaxQuorum) {
		return ErrQuorumBadM
	}
	object, err := m.policyOwner(s, service, oh)
	if err != nil {
		return err
	}
	op := QuorumOp("quorum.set", object, "service="+service, "m="+strconv.Itoa(mApprovals))
	defer func() { m.auditQuorum(s, "quorum set", op, err) }()
	if err := m.requireQuorum(s, service, object, op); err != nil {
		return err
	}
	p := store.QuorumPolicy{TokenID: s.token.id, Service: service, Object: object, M: mApprovals}
	if err := m.store.SetQuorumPolicy(p); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return ck.CKR_OBJECT_HANDLE_INVALID
		}
		return m.storeErr(err)
	}
	return nil
}

// QuorumPolicies lists the token's policies; any logged-in user may.
func (m *Module) QuorumPolicies(h ck.SessionHandle) ([]QuorumPolicyInfo, error) {
	s, err := m.session(h)
	if err != nil {
		return nil, err
	}
	if s.token.current() == nil {
		return nil, ck.CKR_USER_NOT_LOGGED_IN
	}
	ps, err := m.store.QuorumPolicies(s.token.id)
	if err != nil {
		return nil, m.storeErr(err)
	}
	out := make([]QuorumPolicyInfo, len(ps))
	for i, p := range ps {
		out[i] = QuorumPolicyInfo{Service: p.Service, Object: p.Object, M: p.M}
	}
	return out, nil
}

// RegisterQuorumKey registers (or replaces) the logged-in user's approval
// key: a PEM SubjectPublicKeyInfo, RSA of 2048 bits or more, or Ed25519.
func (m *Module) RegisterQuorumKey(h ck.SessionHandle, publicKeyPEM []byte) (err error) {
	s, err := m.session(h)
	if err != nil {
		return err
	}
	l := s.token.current()
	if l == nil {
		return ck.CKR_USER_NOT_LOGGED_IN
	}
	defer func() { m.auditQuorum(s, "quorum register-key", l.user.Name, err) }()
	der, err := ParseQuorumPublicKey(publicKeyPEM)
	if err != nil {
		return err
	}
	if err := m.store.SetQuorumKey(store.QuorumKey{UserID: l.user.ID, PublicKey: der, Registered: time.Now().UTC()}); err != nil {
		return m.storeErr(err)
	}
	return nil
}

// QuorumKeyAlgorithm names the algorithm of a user's registered key, or ""
// when the user has none.
func (m *Module) QuorumKeyAlgorithm(h ck.SessionHandle, user string) (string, error) {
	s, err := m.session(h)
	if err != nil {
		return "", err
	}
	u, err := m.userNamed(s.token.id, user)
	if err != nil {
		return "", err
	}
	k, err := m.store.QuorumKey(u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", m.storeErr(err)
	}
	return quorumKeyAlgorithm(k.PublicKey), nil
}

// RequestQuorum makes a quorum token for op (see QuorumOp) on the session's
// token; any logged-in user may ask. The token expires after
// QuorumTokenLifetime.
func (m *Module) RequestQuorum(h ck.SessionHandle, op string) (info QuorumTokenInfo, err error) {
	s, err := m.session(h)
	if err != nil {
		return info, err
	}
	l := s.token.current()
	if l == nil {
		return info, ck.CKR_USER_NOT_LOGGED_IN
	}
	defer func() { m.auditQuorum(s, "quorum request", info.ID+" "+op, err) }()
	service, object, err := parseQuorumOp(op)
	if err != nil {
		return info, err
	}
	id := make([]byte, 8)
	nonce := make([]byte, 32)
	if _, err := rand.Read(id); err != nil {
		return info, ck.CKR_DEVICE_ERROR
	}
	if _, err := rand.Read(nonce); err != nil {
		return info, ck.CKR_DEVICE_ERROR
	}
	now := time.Now().UTC()
	t := store.QuorumToken{ID: hex.EncodeToString(id), TokenID: s.token.id, Service: service, Object: object, Op: op,
		Nonce: nonce, Requester: l.user.ID, Created: now, Expires: now.Add(QuorumTokenLifetime)}
	m.store.PurgeQuorumTokens(now.Add(-24 * time.Hour)) // keep a day of history; best effort
	if err := m.store.CreateQuorumToken(t); err != nil {
		return info, m.storeErr(err)
	}
	return m.tokenInfo(t, nil)
}

// QuorumTokenStatus describes a token (any process may ask: a token ID
// reveals nothing secret).
func (m *Module) QuorumTokenStatus(id string) (QuorumTokenInfo, error) {
	t, as, err := m.quorumToken(id)
	if err != nil {
		return QuorumTokenInfo{}, err
	}
	return m.tokenInfo(t, as)
}

func (m *Module) quorumToken(id string) (store.QuorumToken, []store.QuorumApproval, error) {
	t, as, err := m.store.QuorumToken(strings.ToLower(strings.TrimSpace(id)))
	if errors.Is(err, store.ErrNotFound) {
		return t, nil, fmt.Errorf("token %q: %w", id, ErrQuorumUnknownToken)
	}
	if err != nil {
		return t, nil, m.storeErr(err)
	}
	return t, as, nil
}

func (m *Module) tokenSerial(tokenID int64) (string, error) {
	tok, err := m.store.Token(tokenID)
	if err != nil {
		return "", m.storeErr(err)
	}
	return tok.Serial, nil
}

func (m *Module) tokenInfo(t store.QuorumToken, as []store.QuorumApproval) (QuorumTokenInfo, error) {
	serial, err := m.tokenSerial(t.TokenID)
	if err != nil {
		return QuorumTokenInfo{}, err
	}
	users, err := m.store.Users(t.TokenID)
	if err != nil {
		return QuorumTokenInfo{}, m.storeErr(err)
	}
	names := map[int64]string{}
	for _, u := range users {
		names[u.ID] = u.Name
	}
	info := QuorumTokenInfo{ID: t.ID, Serial: serial, Service: t.Service, Object: t.Object, Op: t.Op,
		Requester: names[t.Requester], Created: t.Created, Expires: t.Expires, Consumed: !t.Consumed.IsZero(),
		Approvers: []string{}, Bytes: canonicalQuorumBytes(t, serial)}
	if p, err := m.store.QuorumPolicy(t.TokenID, t.Service, t.Object); err == nil {
		info.M = p.M
	}
	for _, a := range as {
		info.Approvers = append(info.Approvers, names[a.UserID])
	}
	return info, nil
}

// approvers returns the IDs of the users who may approve tokens of service
// on object: officers for token-wide services, the key's owner and the
// users it is shared with for key services.
func (m *Module) approvers(tokenID int64, service string, object int64) (map[int64]bool, error) {
	ok := map[int64]bool{}
	if !keyService(service) {
		users, err := m.store.Users(tokenID)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if u.Role == store.RoleCO {
				ok[u.ID] = true
			}
		}
		return ok, nil
	}
	o, err := m.store.Object(tokenID, object, nil)
	if err != nil {
		return nil, err
	}
	if o.Owner != 0 {
		ok[o.Owner] = true
	}
	ids, err := m.store.Shares(tokenID, object)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		ok[id] = true
	}
	return ok, nil
}

// ApproveQuorum attaches user's signature of the token's canonical bytes.
// No login is needed: the signature, checked against the key the user
// registered, is the approval. Each refusal is its own error.
func (m *Module) ApproveQuorum(id, user string, signature []byte) (err error) {
	t, as, err := m.quorumToken(id)
	if err != nil {
		return err
	}
	defer func() {
		m.auditToken(t.TokenID, user, 0, "quorum approve", t.ID+" "+t.Op, err)
	}()
	now := time.Now()
	switch {
	case !t.Consumed.IsZero():
		return fmt.Errorf("token %s: %w", t.ID, ErrQuorumConsumed)
	case !now.Before(t.Expires):
		return fmt.Errorf("token %s expired at %s: %w", t.ID, t.Expires.Format(time.RFC3339), ErrQuorumExpired)
	}
	u, err := m.userNamed(t.TokenID, user)
	if err != nil {
		return err
	}
	for _, a := range as {
		if a.UserID == u.ID {
			return fmt.Errorf("user %q: %w", user, ErrQuorumDuplicate)
		}
	}
	may, err := m.approvers(t.TokenID, t.Service, t.Object)
	if err != nil {
		return m.storeErr(err)
	}
	if !may[u.ID] {
		return fmt.Errorf("user %q, service %s: %w", user, t.Service, ErrQuorumNotApprover)
	}
	k, err := m.store.QuorumKey(u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("user %q: %w (gohsm quorum register-key)", user, ErrQuorumNoKey)
	}
	if err != nil {
		return m.storeErr(err)
	}
	serial, err := m.tokenSerial(t.TokenID)
	if err != nil {
		return err
	}
	if !verifyQuorumSignature(k.PublicKey, canonicalQuorumBytes(t, serial), signature) {
		return fmt.Errorf("user %q: %w", user, ErrQuorumBadSignature)
	}
	err = m.store.AddQuorumApproval(store.QuorumApproval{TokenID: t.ID, UserID: u.ID, Signature: signature, Time: now.UTC()})
	if errors.Is(err, store.ErrExists) {
		return fmt.Errorf("user %q: %w", user, ErrQuorumDuplicate)
	}
	if err != nil {
		return m.storeErr(err)
	}
	return nil
}

// UseQuorumToken attaches an approved token to the session: the session's
// next operation protected by quorum consumes it. It is checked then.
func (m *Module) UseQuorumToken(h ck.SessionHandle, id string) error {
	if _, err := m.session(h); err != nil {
		return err
	}
	m.quorum.attached.Range(func(k, _ any) bool { // forget tokens of closed sessions
		if _, open := m.sessions.Load(k); !open {
			m.quorum.attached.Delete(k)
		}
		return true
	})
	m.quorum.attached.Store(h, strings.ToLower(strings.TrimSpace(id)))
	return nil
}

// requireQuorum lets op run when no policy covers service (on object, a
// key's store ID, or 0), or when the session holds a token approved for
// exactly op by M distinct approvers, which it then consumes.
func (m *Module) requireQuorum(s *Session, service string, object int64, op string) error {
	p, err := m.store.QuorumPolicy(s.token.id, service, object)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return m.storeErr(err)
	}
	return m.consumeQuorum(s, p, op)
}

// keyUseQuorum is requireQuorum for key.use, on the hot path: the policy is
// remembered per object version (a policy change bumps the version, so no
// query is needed while the key is unchanged).
func (m *Module) keyUseQuorum(s *Session, o *object) error {
	if o.dbID == 0 {
		return nil
	}
	if v, ok := m.quorum.keyUse.Load(o.dbID); ok && v.(keyPolicy).version == o.version {
		if v.(keyPolicy).m == 0 {
			return nil
		}
	}
	p, err := m.store.QuorumPolicy(s.token.id, QuorumKeyUsage, o.dbID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		m.quorum.keyUse.Store(o.dbID, keyPolicy{version: o.version})
		return nil
	case err != nil:
		return m.storeErr(err)
	}
	m.quorum.keyUse.Store(o.dbID, keyPolicy{version: o.version, m: int64(p.M)})
	return m.consumeQuorum(s, p, QuorumOp("key.use", o.dbID))
}

// consumeQuorum checks and consumes the session's attached token for op.
func (m *Module) consumeQuorum(s *Session, p store.QuorumPolicy, op string) (err error) {
	v, ok := m.quorum.attached.LoadAndDelete(s.handle)
	if !ok {
		return fmt.Errorf("%s needs %d approvals (service %s): %w; request a token for %q", op, p.M, p.Service, ErrQuorumRequired, op)
	}
	defer func() { m.auditQuorum(s, "quorum use", v.(string)+" "+op, err) }()
	t, as, err := m.quorumToken(v.(string))
	if err != nil {
		return err
	}
	switch {
	case t.TokenID != s.token.id || t.Op != op || t.Service != p.Service || t.Object != p.Object:
		return fmt.Errorf("token %s is for %q, not %q: %w", t.ID, t.Op, op, ErrQuorumWrongOp)
	case !t.Consumed.IsZero():
		return fmt.Errorf("token %s: %w", t.ID, ErrQuorumConsumed)
	case !time.Now().Before(t.Expires):
		return fmt.Errorf("token %s: %w", t.ID, ErrQuorumExpired)
	}
	n, err := m.validApprovals(t, as)
	if err != nil {
		return err
	}
	if n < p.M {
		return fmt.Errorf("token %s has %d of %d: %w", t.ID, n, p.M, ErrQuorumNotEnough)
	}
	if err := m.store.ConsumeQuorumToken(t.ID, time.Now().UTC()); err != nil {
		if errors.Is(err, store.ErrExists) {
			return fmt.Errorf("token %s: %w", t.ID, ErrQuorumConsumed)
		}
		return m.storeErr(err)
	}
	return nil
}

// validApprovals counts the approvals that still hold: distinct users who
// may approve now, whose current registered key verifies their signature
// (a user deleted, unshared or with a new key since no longer counts).
func (m *Module) validApprovals(t store.QuorumToken, as []store.QuorumApproval) (int, error) {
	may, err := m.approvers(t.TokenID, t.Service, t.Object)
	if err != nil {
		return 0, m.storeErr(err)
	}
	serial, err := m.tokenSerial(t.TokenID)
	if err != nil {
		return 0, err
	}
	msg := canonicalQuorumBytes(t, serial)
	seen := map[int64]bool{}
	for _, a := range as {
		if seen[a.UserID] || !may[a.UserID] {
			continue
		}
		k, err := m.store.QuorumKey(a.UserID)
		if err != nil || !verifyQuorumSignature(k.PublicKey, msg, a.Signature) {
			continue
		}
		seen[a.UserID] = true
	}
	return len(seen), nil
}

// auditQuorum records a quorum event by the login of s.
func (m *Module) auditQuorum(s *Session, op, target string, err error) {
	m.auditSession(s, op, nil, target, err)
}

// sortedNames is a set of user names in canonical form: sorted, without
// duplicates, comma-separated.
func sortedNames(names []string) string {
	s := slices.Compact(slices.Sorted(slices.Values(names)))
	return strings.Join(s, ",")
}

// AuthorizeRestore is the provider's part of `gohsm backup restore` over a
// store that holds tokens: the session must have a Crypto Officer logged in,
// and when the token has a "backup" policy, a token approved for
// "backup.restore sha256=<digest of the backup file>" must be attached.
func (m *Module) AuthorizeRestore(h ck.SessionHandle, fileSHA256 string) error {
	s, err := m.session(h)
	if err != nil {
		return err
	}
	if !isSO(s.token.current()) {
		return fmt.Errorf("%w: a Crypto Officer must be logged in to restore a backup", ck.CKR_USER_NOT_LOGGED_IN)
	}
	return m.requireQuorum(s, QuorumBackup, 0, QuorumOp("backup.restore", 0, "sha256="+fileSHA256))
}

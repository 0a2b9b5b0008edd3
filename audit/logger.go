package audit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/installsecret"
)

// Event is what a caller reports; Append adds the time and the process.
type Event struct {
	TokenID int64      // 0: no token
	Serial  string     // optional: the store finds it from TokenID (give it when the token is gone)
	User    string     // who acted, "" for nobody
	Role    store.Role // 0 for none
	Op      string     // PKCS#11 function ("C_Login") or operation ("user create")
	Command string     // the gohsm CLI command, if any
	Object  int64      // store ID, 0 for none
	Class   string     // the object's class name, or ""
	Label   string     // the object's label (a public attribute)
	Target  string     // the other party: user name, mechanism, second object
	Result  error      // nil (CKR_OK), a ck.RV, or another error (CKR_GENERAL_ERROR)
}

// Logger appends events to the audit log of one store.
type Logger struct {
	st     store.Auditor
	secret []byte
	pid    int
	exe    string

	command atomic.Pointer[string] // the gohsm CLI command of this process, if any

	mu    sync.Mutex
	keys  map[string][]byte // chain keys by serial
	w     *writer           // Later's background writer, started at first use
	onErr func(error)       // told of background write failures
}

// SetCommand names the gohsm CLI command that this process runs; every
// later record without its own Command carries it.
func (l *Logger) SetCommand(cmd string) { l.command.Store(&cmd) }

// New returns a Logger that chains records under keys derived from secret.
func New(st store.Auditor, secret []byte) *Logger {
	exe, _ := os.Executable()
	return &Logger{st: st, secret: secret, pid: os.Getpid(), exe: filepath.Base(exe), keys: map[string][]byte{}}
}

// Open returns a Logger for the store in dir, using (and creating at first
// use) the installation secret there.
func Open(st store.Auditor, dir string) (*Logger, error) {
	secret, err := installsecret.Load(dir)
	if err != nil {
		return nil, err
	}
	return New(st, secret), nil
}

// key returns the chain key of serial, derived once.
func (l *Logger) key(serial string) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if k := l.keys[serial]; k != nil {
		return k, nil
	}
	k, err := chainKey(l.secret, serial)
	if err != nil {
		return nil, err
	}
	l.keys[serial] = k
	return k, nil
}

// RoleName is the role as records show it.
func RoleName(r store.Role) string {
	switch r {
	case store.RoleCO:
		return "CO"
	case store.RoleCU:
		return "CU"
	}
	return ""
}

// ResultName is the CKR name of a provider result.
func ResultName(err error) string {
	if err == nil {
		return ck.CKR_OK.String()
	}
	var rv ck.RV
	if errors.As(err, &rv) { // provider wraps some codes with a sentence
		return rv.String()
	}
	return ck.CKR_GENERAL_ERROR.String()
}

// record is e as a record of this process, stamped now.
func (l *Logger) record(e Event) store.AuditRecord {
	r := store.AuditRecord{
		Serial: e.Serial, Time: time.Now().UTC(), TokenID: e.TokenID,
		User: e.User, Role: RoleName(e.Role), PID: l.pid, Exe: l.exe,
		Op: e.Op, Command: e.Command, Object: e.Object, Class: e.Class, Label: e.Label,
		Target: e.Target, Result: ResultName(e.Result),
	}
	if c := l.command.Load(); r.Command == "" && c != nil {
		r.Command = *c
	}
	return r
}

// seal is the store.AuditSealer of this log: the chain MAC and head MAC.
func (l *Logger) seal(r *store.AuditRecord, prev []byte) ([]byte, []byte, error) {
	k, err := l.key(r.Serial)
	if err != nil {
		return nil, nil, err
	}
	mac := recordMAC(k, prev, r)
	return mac, headMAC(k, r.Seq, mac), nil
}

// Append records e as the next record of its token's chain and returns it;
// the record is durable when Append returns.
func (l *Logger) Append(e Event) (store.AuditRecord, error) {
	r := l.record(e)
	if err := l.st.AppendAudit(&r, l.seal); err != nil {
		return r, fmt.Errorf("audit: %w", err)
	}
	return r, nil
}

// Prepare stamps e now as a record of this process, for a store that appends
// it inside a transaction of its own (store/sqlite CreateObjectsAudited: an
// object and the record of its creation in one transaction, one sync), with
// Sealer. The record is then exactly as durable as that transaction.
func (l *Logger) Prepare(e Event) *store.AuditRecord {
	r := l.record(e)
	return &r
}

// Sealer is the store.AuditSealer of this log (the chain MACs), for records
// made by Prepare.
func (l *Logger) Sealer() store.AuditSealer { return l.seal }

// noSyncAppender is a store that can commit a record without waiting for
// the disk (store/sqlite AppendAuditNoSync).
type noSyncAppender interface {
	AppendAuditNoSync(r *store.AuditRecord, seal store.AuditSealer) error
}

// AppendNoSync is Append for an event that changes nothing else in the
// store (C_WrapKey): the record is durable against a killed process when
// AppendNoSync returns, and on disk with the store's next synced commit or
// checkpoint, so a power loss or OS crash right after may lose it. A store
// without that choice appends as Append does.
func (l *Logger) AppendNoSync(e Event) (store.AuditRecord, error) {
	ns, ok := l.st.(noSyncAppender)
	if !ok {
		return l.Append(e)
	}
	r := l.record(e)
	if err := ns.AppendAuditNoSync(&r, l.seal); err != nil {
		return r, fmt.Errorf("audit: %w", err)
	}
	return r, nil
}

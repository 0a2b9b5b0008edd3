package backup

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gohsm/gohsm/store/installsecret"
	"github.com/gohsm/gohsm/store/sqlite"
)

// Progress is told how many body bytes are done of how many; nil for none.
type Progress func(done, total int64)

// Create writes a backup of the store in storeDir to w and returns its
// header. The store is copied with one consistent snapshot into a private
// temporary directory inside storeDir (removed before Create returns), then
// encrypted chunk by chunk.
func Create(storeDir string, w io.Writer, progress Progress) (Header, error) {
	secret, err := installsecret.Load(storeDir)
	if err != nil {
		return Header{}, err
	}
	tmp, err := os.MkdirTemp(storeDir, ".backup-")
	if err != nil {
		return Header{}, err
	}
	defer os.RemoveAll(tmp)
	snap := filepath.Join(tmp, sqlite.FileName)
	if err := snapshot(storeDir, snap); err != nil {
		return Header{}, err
	}
	h, err := summarize(tmp)
	if err != nil {
		return Header{}, err
	}
	st, err := os.Stat(snap)
	if err != nil {
		return Header{}, err
	}
	h.Format, h.Installation, h.Created = Format, InstallationID(secret), time.Now().UTC()
	h.BodySize, h.ChunkSize = st.Size(), chunkSize
	f, err := os.Open(snap)
	if err != nil {
		return Header{}, err
	}
	defer f.Close()
	return h, encrypt(w, h, secret, f, progress)
}

// snapshot copies the live store (opened the usual way, so that its schema
// is current) to path.
func snapshot(storeDir, path string) error {
	d, err := sqlite.OpenWith(storeDir, sqlite.Options{})
	if err != nil {
		return err
	}
	defer d.Close()
	return d.SnapshotTo(path)
}

// summarize counts what a snapshot directory holds.
func summarize(dir string) (Header, error) {
	d, err := sqlite.OpenWith(dir, sqlite.Options{MaxConns: 1})
	if err != nil {
		return Header{}, err
	}
	defer d.Close()
	h := Header{Schema: sqlite.SchemaVersion, Tokens: []Token{}}
	toks, err := d.Tokens()
	if err != nil {
		return h, err
	}
	for _, t := range toks {
		us, err := d.Users(t.ID)
		if err != nil {
			return h, err
		}
		n, err := d.CountObjects(t.ID)
		if err != nil {
			return h, err
		}
		h.Tokens = append(h.Tokens, Token{Serial: t.Serial, Label: t.Label, Users: len(us), Objects: n})
		h.Users += len(us)
		h.Objects += n
	}
	return h, nil
}

// encrypt writes the whole file: prefix, wrapped key, chunks.
func encrypt(w io.Writer, h Header, secret []byte, body io.Reader, progress Progress) error {
	hj, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if len(hj) > maxHeaderLen {
		return fmt.Errorf("backup header too long (%d tokens)", len(h.Tokens))
	}
	pre := prefix(hj)
	key := make([]byte, keyLen)
	nonce := make([]byte, nonceLen)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	defer clear(key)
	k, err := kek(secret)
	if err != nil {
		return err
	}
	wrap, err := gcm(k)
	clear(k)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.Write(pre)
	bw.Write(nonce)
	bw.Write(wrap.Seal(nil, nonce, key, pre))
	aead, err := gcm(key)
	if err != nil {
		return err
	}
	hh := sha256.Sum256(pre)
	buf := make([]byte, h.ChunkSize)
	var done int64
	for i := uint64(0); ; i++ {
		n, rerr := io.ReadFull(body, buf)
		if rerr != nil && rerr != io.EOF && rerr != io.ErrUnexpectedEOF {
			return rerr
		}
		done += int64(n)
		final := done >= h.BodySize
		ct := aead.Seal(nil, chunkNonce(i), buf[:n], chunkAD(hh[:], i, final))
		if err := binary.Write(bw, binary.BigEndian, uint32(len(ct))); err != nil {
			return err
		}
		if _, err := bw.Write(ct); err != nil {
			return err
		}
		if progress != nil {
			progress(done, h.BodySize)
		}
		if final {
			break
		}
		if rerr != nil {
			return fmt.Errorf("the snapshot shrank while being read (%d of %d bytes)", done, h.BodySize)
		}
	}
	clear(buf)
	return bw.Flush()
}

// CreateFile writes a backup to path atomically: a temporary file beside it
// (mode 0600), synced, then renamed.
func CreateFile(storeDir, path string, progress Progress) (Header, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".gohsm-backup-*.tmp")
	if err != nil {
		return Header{}, err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return Header{}, err
	}
	h, err := Create(storeDir, tmp, progress)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Header{}, err
	}
	return h, os.Rename(tmp.Name(), path)
}

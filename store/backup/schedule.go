package backup

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Entry is one backup file of a directory, with its (unchecked) header.
type Entry struct {
	Path   string
	Size   int64
	Header Header
	Err    error // the file could not be read as a backup
}

// List returns the backups (*.gohsmbak) in dir, newest first by creation time.
func List(dir string) ([]Entry, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, de := range des {
		if de.IsDir() || !strings.HasSuffix(de.Name(), Ext) {
			continue
		}
		e := Entry{Path: filepath.Join(dir, de.Name())}
		if fi, err := de.Info(); err == nil {
			e.Size = fi.Size()
		}
		e.Header, e.Err = ReadHeader(e.Path)
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Header.Created.Equal(out[j].Header.Created) {
			return out[i].Header.Created.After(out[j].Header.Created)
		}
		return out[i].Path > out[j].Path
	})
	return out, nil
}

// FileName is a scheduled backup's name: its UTC creation time, sortable.
func FileName(t time.Time) string {
	return "gohsm-" + t.UTC().Format("20060102T150405.000000000Z") + Ext
}

// Schedule is the scheduled mode: a backup of storeDir into outDir every
// interval (the first at once), keeping the newest keep files of the form
// FileName (others in outDir are never touched). It stops after count
// backups (0: until ctx ends) or at the first error. done is told each file.
func Schedule(ctx context.Context, storeDir, outDir string, every time.Duration, keep, count int, done func(path string, h Header)) error {
	if err := os.MkdirAll(outDir, 0o700); err != nil {
		return err
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for n := 1; ; n++ {
		path := filepath.Join(outDir, FileName(time.Now()))
		h, err := CreateFile(storeDir, path, nil)
		if err != nil {
			return err
		}
		if done != nil {
			done(path, h)
		}
		if err := prune(outDir, keep); err != nil {
			return err
		}
		if count > 0 && n >= count {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// prune deletes the scheduled backups beyond the newest keep.
func prune(dir string, keep int) error {
	if keep <= 0 {
		return nil
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, de := range des {
		n := de.Name()
		if !de.IsDir() && strings.HasPrefix(n, "gohsm-") && strings.HasSuffix(n, Ext) {
			names = append(names, n)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	for _, n := range names[min(keep, len(names)):] {
		if err := os.Remove(filepath.Join(dir, n)); err != nil {
			return err
		}
	}
	return nil
}

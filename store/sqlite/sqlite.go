// Package sqlite is the embedded token store (placeholder until the store lands).
package sqlite

import (
	"errors"

	"github.com/gohsm/gohsm/store"
)

// Open opens (creating if needed) the store in dir.
func Open(dir string) (store.Store, error) { return nil, errors.New("sqlite store: not yet written") }

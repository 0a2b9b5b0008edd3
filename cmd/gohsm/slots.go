package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/provider"
)

// slotToken is one slot and the token in it.
type slotToken struct {
	slot ck.SlotID
	info ck.TokenInfo
}

func (s slotToken) initialized() bool { return s.info.Flags&ck.CKF_TOKEN_INITIALIZED != 0 }
func (s slotToken) label() string     { return strings.TrimRight(s.info.Label, " ") }

// allSlots lists every slot that holds a token (initialised or not) with its information.
func allSlots(m *provider.Module) ([]slotToken, error) {
	ids, err := m.SlotList(false)
	if err != nil {
		return nil, fmt.Errorf("listing slots: %w", err)
	}
	out := make([]slotToken, 0, len(ids))
	for _, id := range ids {
		ti, err := m.TokenInfo(id)
		if errors.Is(err, ck.CKR_TOKEN_NOT_PRESENT) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("slot %d: %w", id, err)
		}
		out = append(out, slotToken{slot: id, info: ti})
	}
	return out, nil
}

// tokenSelector is the --slot/--label pair that names one token.
type tokenSelector struct {
	slot  uint64
	label string
}

func (t *tokenSelector) addFlags(cmd *cobra.Command) {
	cmd.Flags().Uint64Var(&t.slot, "slot", 0, "slot ID of the token")
	cmd.Flags().StringVar(&t.label, "label", "", "label of the token")
}

var errNoToken = errors.New("no initialised token: create one with 'gohsm token init'")

// pick returns the token named by --slot or --label, or the only initialised
// token when neither is given.
func (t *tokenSelector) pick(cmd *cobra.Command, m *provider.Module) (slotToken, error) {
	bySlot := cmd.Flags().Changed("slot")
	byLabel := cmd.Flags().Changed("label")
	if bySlot && byLabel {
		return slotToken{}, usagef("give --slot or --label, not both")
	}
	return t.find(m, bySlot, byLabel)
}

// find is pick once the caller has said which of slot and label apply.
func (t *tokenSelector) find(m *provider.Module, bySlot, byLabel bool) (slotToken, error) {
	slots, err := allSlots(m)
	if err != nil {
		return slotToken{}, err
	}
	var found []slotToken
	for _, s := range slots {
		switch {
		case bySlot && uint64(s.slot) == t.slot:
			return s, nil
		case bySlot:
		case byLabel && s.initialized() && s.label() == t.label:
			found = append(found, s)
		case !byLabel && s.initialized():
			found = append(found, s)
		}
	}
	switch {
	case bySlot:
		return slotToken{}, fmt.Errorf("no slot %d (see 'gohsm token list')", t.slot)
	case len(found) == 1:
		return found[0], nil
	case byLabel && len(found) == 0:
		return slotToken{}, fmt.Errorf("no token labelled %q (see 'gohsm token list')", t.label)
	case byLabel:
		return slotToken{}, fmt.Errorf("%d tokens are labelled %q: use --slot", len(found), t.label)
	case len(found) == 0:
		return slotToken{}, errNoToken
	default:
		return slotToken{}, usagef("%d tokens exist: name one with --slot or --label", len(found))
	}
}

// emptySlot returns the always-present slot whose token is not initialised.
func emptySlot(m *provider.Module) (slotToken, error) {
	slots, err := allSlots(m)
	if err != nil {
		return slotToken{}, err
	}
	for _, s := range slots {
		if !s.initialized() {
			return s, nil
		}
	}
	return slotToken{}, errors.New("no slot with an uninitialised token")
}

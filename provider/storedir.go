package provider

// StoreDir is the resolved store directory. cexport records it at
// C_Initialize so that a forked child's helper opens the same store.
func (m *Module) StoreDir() string { return m.cfg.StoreDir }

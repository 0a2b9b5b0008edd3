package ck

// names.go is derived from the constants declared in this package.
//go:generate go run ./internal/gen/gennames

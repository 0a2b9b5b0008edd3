// Command gennames writes ck/names.go; `go generate ./ck` runs it in ck/.
package main

import (
	"fmt"
	"os"

	"github.com/gohsm/gohsm/ck/internal/gen"
)

func main() {
	if err := gen.Write("."); err != nil {
		fmt.Fprintln(os.Stderr, "gennames:", err)
		os.Exit(1)
	}
}

package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
)

// Child processes are this binary re-executed with these variables set.
const (
	envChild  = "GOHSM_BENCH_CHILD" // "proc" or "scale"
	envConfig = "GOHSM_BENCH_CONFIG"
	envModule = "GOHSM_BENCH_MODULE" // JSON Module (proc)
	envDir    = "GOHSM_BENCH_DIR"    // the parent's token directory (proc)
	envN      = "GOHSM_BENCH_N"      // objects in the store (scale)
)

// ChildMain plays a child's part when this process is one; the caller exits
// with the code. It reports false in the parent.
func ChildMain() (code int, isChild bool) {
	switch os.Getenv(envChild) {
	case "proc":
		return procChild(), true
	case "scale":
		return scaleChild(), true
	}
	return 0, false
}

// childCmd re-executes this binary as a child of the given kind.
func childCmd(kind string, cfg Config, env ...string) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), envChild+"="+kind, envConfig+"="+string(b))
	cmd.Env = append(cmd.Env, env...)
	return cmd, nil
}

func childConfig() (Config, error) {
	var c Config
	err := json.Unmarshal([]byte(os.Getenv(envConfig)), &c)
	return c, err
}

func childInt(name string) (int, error) {
	n, err := strconv.Atoi(os.Getenv(name))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return n, nil
}

package bench

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// Machine is what the numbers were measured on.
type Machine struct {
	CPU     string       `json:"cpu"`
	Cores   int          `json:"cores"`
	Go      string       `json:"go"`
	Kernel  string       `json:"kernel"`
	OpenSSL string       `json:"openssl"`
	SoftHSM string       `json:"softhsm_package"`
	LoadAvg string       `json:"loadavg_at_start"` // other work on the machine skews every column
	Modules []ModuleInfo `json:"modules"`
}

// ModuleInfo is a loaded module's C_GetInfo.
type ModuleInfo struct {
	Name string `json:"name"`
	Path string `json:"path"`
	Info string `json:"info"`
}

func machine() Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), CPU: "unknown"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	m.Kernel = command("uname", "-sr")
	m.LoadAvg = "unknown"
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	m.OpenSSL = command("openssl", "version")
	m.SoftHSM = command("dpkg-query", "-W", "-f", "${Version}", "softhsm2")
	return m
}

// command is a command's trimmed output, or "unknown".
func command(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if s := strings.TrimSpace(string(out)); err == nil && s != "" {
		return s
	}
	return "unknown"
}

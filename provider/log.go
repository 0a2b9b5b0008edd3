package provider

import (
	"io"
	"os"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/gohsm/gohsm/config"
)

// newLogger builds the module's logger. It never fails: a log file that
// cannot be opened falls back to standard error, with a line saying so.
func newLogger(c config.Log) *logrus.Logger {
	l := logrus.New()
	l.SetOutput(os.Stderr)
	if lvl, err := logrus.ParseLevel(c.Level); err == nil {
		l.SetLevel(lvl)
	} else {
		l.SetLevel(logrus.WarnLevel)
	}
	if strings.EqualFold(c.Format, "json") {
		l.SetFormatter(&logrus.JSONFormatter{})
	}
	if c.File != "" && c.File != "stderr" {
		f, err := os.OpenFile(c.File, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			l.WithError(err).Error("gohsm: cannot open the log file; logging to standard error")
		} else {
			l.SetOutput(f)
		}
	}
	return l
}

// closeLog closes the log file newLogger opened, if any: every C_Initialize
// opens it again, so C_Finalize must close it.
func closeLog(l *logrus.Logger) {
	if f, ok := l.Out.(io.Closer); ok && l.Out != os.Stderr {
		l.SetOutput(io.Discard)
		f.Close()
	}
}

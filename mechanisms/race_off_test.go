//go:build !race

package mechanisms

const raceEnabled = false

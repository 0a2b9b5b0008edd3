//go:build race

package mechanisms

// raceEnabled: the race detector makes hash-heavy code (SLH-DSA) 10-20x
// slower; such tests then check a sample of their vectors.
const raceEnabled = true

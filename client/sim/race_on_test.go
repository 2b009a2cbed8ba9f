//go:build race

package sim

// raceEnabled: under the race detector sync.Pool drops a quarter of what
// it is given, at random, so a test cannot count on getting an item back.
const raceEnabled = true

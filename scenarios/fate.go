package scenarios

// Fate is what has happened to one message so far, at one step of a run
// (Steps.Fate): the partition cells of the TUI and the exports show it.
// Unlike a Verdict, which judges a finished run, a fate changes as the
// run goes on.
type Fate int

// Fates, in the order a message usually goes through them.
const (
	FateNone       Fate = iota // not produced yet
	FatePending                // in the log, not delivered yet
	FateDelivered              // delivered, not being processed, not done: it will be read again
	FateProcessing             // delivered to a live consumer that is working on it
	FateAtRisk                 // being processed, but the group has committed past it: a crash now loses it
	FateProcessed              // its side effect happened once
	FateLost                   // no effect, and the group committed past it
	FateDuplicated             // its side effect happened twice or more
	numFates
)

// String is the fate's name as legends show it.
func (f Fate) String() string {
	return [...]string{"", "pending", "delivered", "processing", "at risk", "processed", "lost", "duplicated"}[f]
}

// Short is the fate's name in at most five letters, for legends on
// narrow screens.
func (f Fate) Short() string {
	return [...]string{"", "pend", "deliv", "proc", "risk", "done", "lost", "dup"}[f]
}

// Symbol is the one-character mark of the fate, readable without colour.
// No partition marker (E, C, ^, ≠) uses any of them.
func (f Fate) Symbol() string {
	return [...]string{" ", ".", "d", "*", "!", "+", "X", "2"}[f]
}

// Meaning says in a sentence what the fate means, for help screens and
// the exports' legends.
func (f Fate) Meaning() string {
	return [...]string{
		"not produced yet",
		"in the log, not delivered yet",
		"delivered, not being processed and not done: it will be read again",
		"a live consumer is working on it",
		"being processed, but the group has already committed past it: a crash now loses it",
		"its side effect happened once",
		"no side effect, and the group committed past it: nobody will read it again",
		"its side effect happened twice or more",
	}[f]
}

// Fates lists the fates a cell can show, for legends.
func Fates() []Fate {
	return []Fate{FatePending, FateDelivered, FateProcessing, FateAtRisk, FateProcessed, FateLost, FateDuplicated}
}

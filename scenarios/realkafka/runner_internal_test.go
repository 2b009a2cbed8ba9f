package realkafka

import "testing"

// deep calls f under n more frames.
//
//go:noinline
func deep(n int, f func() bool) bool {
	if n == 0 {
		return f()
	}
	return deep(n-1, f)
}

// TestOnRunner: onRunner is true exactly inside runnerTurn on its own
// goroutine, however deep the stack, and never on a goroutine started
// from there.
func TestOnRunner(t *testing.T) {
	if onRunner() {
		t.Error("onRunner outside runnerTurn")
	}
	if deep(300, onRunner) {
		t.Error("onRunner 300 frames deep outside runnerTurn")
	}
	var in, inDeep, inGo bool
	runnerTurn(func() {
		in = onRunner()
		inDeep = deep(300, onRunner)
		done := make(chan bool)
		go func() { done <- onRunner() }()
		inGo = <-done
	})
	if !in || !inDeep {
		t.Errorf("inside runnerTurn: onRunner %v, 300 frames deeper %v", in, inDeep)
	}
	if inGo {
		t.Error("onRunner on a goroutine started inside runnerTurn")
	}
	if onRunner() {
		t.Error("onRunner after runnerTurn returned")
	}
}

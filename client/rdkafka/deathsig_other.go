//go:build !linux

package rdkafka

import "os/exec"

// setDeathSignal does nothing outside Linux: an agent whose parent died
// exits when its stdin closes.
func setDeathSignal(*exec.Cmd) {}

package rdkafka

import (
	"os/exec"
	"syscall"
)

// setDeathSignal makes the agent die with its Go parent: an agent is never
// left behind holding a group membership.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

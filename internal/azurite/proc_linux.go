package azurite

import "syscall"

// sysProcAttr makes the kernel kill Azurite if the test binary dies without
// running its cleanups.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

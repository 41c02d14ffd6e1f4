//go:build !race

package etcdtest

import "syscall"

// dieWithParent makes a member process end with the test process that
// started it, however that ends: the kernel sends it SIGKILL.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

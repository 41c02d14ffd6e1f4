//go:build !race && !linux

package etcdtest

import "syscall"

// dieWithParent: without Pdeathsig, a member process notices that its
// parent is gone by its parent's process ID (runMember).
func dieWithParent() *syscall.SysProcAttr { return nil }

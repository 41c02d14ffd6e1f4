package server

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
)

// listenFDsStart is the first file descriptor systemd passes (SD_LISTEN_FDS_START).
const listenFDsStart = 3

// umaskMu serialises the umask change around bind: the umask is the
// process's, and the socket file takes its mode from it.
var umaskMu sync.Mutex

// Listen returns the server's listener: the socket systemd passed (socket
// activation: LISTEN_PID is this process and LISTEN_FDS at least 1), else
// a Unix socket bound at path under umask 0117, so that the file is 0660
// from the moment it exists (the group is the team's: the folder's setgid
// bit or the unit's SocketGroup). An existing file at path that is not a
// socket is refused; a socket file nobody answers on (left by a server
// that died) is replaced.
func Listen(path string) (net.Listener, error) {
	if l, ok, err := systemdListener(); ok || err != nil {
		return l, err
	}
	info, err := os.Lstat(path)
	switch {
	case err == nil && info.Mode()&fs.ModeSocket == 0:
		return nil, fmt.Errorf("listen %s: the path exists and is not a socket; remove it or choose another --socket", path)
	case err == nil:
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return nil, fmt.Errorf("listen %s: another server is answering there", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("listen %s: removing the stale socket: %w", path, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("listen %s: %w", path, err)
	}
	umaskMu.Lock()
	old := syscall.Umask(0o117)
	l, err := net.Listen("unix", path)
	syscall.Umask(old)
	umaskMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", path, err)
	}
	// The server removes the file when it stops: a later start binds
	// afresh.
	l.(*net.UnixListener).SetUnlinkOnClose(true)
	return l, nil
}

// systemdListener takes the socket systemd passed, when it passed one to
// this process.
func systemdListener() (net.Listener, bool, error) {
	pid, fds := os.Getenv("LISTEN_PID"), os.Getenv("LISTEN_FDS")
	if pid == "" || fds == "" || pid != strconv.Itoa(os.Getpid()) {
		return nil, false, nil
	}
	n, err := strconv.Atoi(fds)
	if err != nil || n < 1 {
		return nil, false, fmt.Errorf("LISTEN_FDS=%q: not a number of sockets", fds)
	}
	// Taken once: a child started later must not take it again.
	os.Unsetenv("LISTEN_PID")
	os.Unsetenv("LISTEN_FDS")
	os.Unsetenv("LISTEN_FDNAMES")
	syscall.CloseOnExec(listenFDsStart)
	f := os.NewFile(uintptr(listenFDsStart), "systemd socket")
	l, err := net.FileListener(f)
	f.Close()
	if err != nil {
		return nil, true, fmt.Errorf("the socket systemd passed: %w", err)
	}
	if _, ok := l.(*net.UnixListener); !ok {
		l.Close()
		return nil, true, errors.New("the socket systemd passed is not a Unix socket")
	}
	return l, true, nil
}

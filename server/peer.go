package server

import (
	"errors"
	"fmt"
	"net"
	"os/user"
	"strconv"

	"golang.org/x/sys/unix"

	"rightsdesk/storage"
)

// Peer is who is at the other end of a connection, as the operating system
// says: the uid from the socket's peer credentials, the name from NSS.
type Peer struct {
	UID  int
	Name string
}

// peerCredentials reads the uid and pid of the process at the other end of
// a Unix socket connection (SO_PEERCRED): what the kernel recorded when it
// connected, which the process cannot choose.
func peerCredentials(conn net.Conn) (*unix.Ucred, error) {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return nil, fmt.Errorf("not a Unix socket connection (%T)", conn)
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return nil, err
	}
	var cred *unix.Ucred
	var credErr error
	err = raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	})
	if err != nil {
		return nil, err
	}
	if credErr != nil {
		return nil, fmt.Errorf("SO_PEERCRED: %w", credErr)
	}
	return cred, nil
}

// peerUID is the uid of the process at the other end of conn.
func peerUID(conn net.Conn) (int, error) {
	cred, err := peerCredentials(conn)
	if err != nil {
		return 0, err
	}
	return int(cred.Uid), nil
}

// IdentifyPeer is the default Config.Identify: the uid from SO_PEERCRED and
// its name through NSS (getent passwd UID, so that accounts from a
// directory service work), else os/user.
func IdentifyPeer(conn net.Conn) (Peer, error) {
	uid, err := peerUID(conn)
	if err != nil {
		return Peer{}, err
	}
	name, err := UserName(uid)
	if err != nil {
		return Peer{}, err
	}
	return Peer{UID: uid, Name: name}, nil
}

// UserName resolves uid to its account name through NSS (getent, within a
// second), falling back to os/user; an account with no name is an error.
func UserName(uid int) (string, error) {
	if name := NSSName(uid); name != "" {
		return name, nil
	}
	u, err := user.LookupId(strconv.Itoa(uid))
	if err != nil {
		return "", fmt.Errorf("uid %d has no account name: %w", uid, err)
	}
	if u.Username == "" {
		return "", errors.New("uid " + strconv.Itoa(uid) + " has no account name")
	}
	return u.Username, nil
}

// UserID resolves an account name to its uid, through NSS as UserName.
func UserID(name string) (int, error) {
	if uid, ok := storage.NSSID("passwd", name); ok {
		return uid, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return 0, fmt.Errorf("no account %q", name)
	}
	return strconv.Atoi(u.Uid)
}

// NSSName asks NSS (getent passwd UID, within a second) for uid's account
// name, so that accounts of a directory service that os/user cannot
// resolve (a build without cgo) are named; "" when it cannot say.
func NSSName(uid int) string {
	fields := storage.NSSEntry("passwd", strconv.Itoa(uid))
	if len(fields) < 3 || fields[2] != strconv.Itoa(uid) || fields[0] == "" {
		return ""
	}
	return fields[0]
}

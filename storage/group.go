package storage

import (
	"context"
	"fmt"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"time"
)

// GroupID is the numeric ID of the group named name: os/user first, else
// NSS through getent (within a second), so that a directory service's
// group (LDAP, SSSD) is found by a binary built without cgo, whose os/user
// reads /etc/group alone (the README installs it so: a static binary).
func GroupID(name string) (int, error) {
	return groupID(name, user.LookupGroup, nssGroup)
}

func groupID(name string, lookup func(string) (*user.Group, error), nss func(string) string) (int, error) {
	if g, err := lookup(name); err == nil {
		gid, err := strconv.Atoi(g.Gid)
		if err != nil {
			return 0, fmt.Errorf("group %q has no numeric id", name)
		}
		return gid, nil
	}
	if gid, ok := parseGroupLine(nss(name), name); ok {
		return gid, nil
	}
	return 0, fmt.Errorf("unknown group %q", name)
}

// nssGroup is getent's line for the group named name, "" when it has none.
func nssGroup(name string) string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "getent", "group", "--", name).Output()
	if err != nil {
		return ""
	}
	return string(out)
}

// parseGroupLine reads the group ID from getent's "name:password:gid:members"
// line, only when the line names the group asked for.
func parseGroupLine(line, name string) (int, bool) {
	fields := strings.Split(strings.TrimSpace(line), ":")
	if len(fields) < 3 || fields[0] != name || name == "" {
		return 0, false
	}
	gid, err := strconv.Atoi(fields[2])
	if err != nil || gid < 0 {
		return 0, false
	}
	return gid, true
}

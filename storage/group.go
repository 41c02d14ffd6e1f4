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
// NSS (NSSID), so that a directory service's group (LDAP, SSSD) is found
// by a binary built without cgo, whose os/user reads /etc/group alone (the
// README installs it so: a static binary).
func GroupID(name string) (int, error) {
	return groupID(name, user.LookupGroup, func(key string) []string { return NSSEntry("group", key) })
}

func groupID(name string, lookup func(string) (*user.Group, error), nss func(string) []string) (int, error) {
	if g, err := lookup(name); err == nil {
		gid, err := strconv.Atoi(g.Gid)
		if err != nil {
			return 0, fmt.Errorf("group %q has no numeric id", name)
		}
		return gid, nil
	}
	if gid, ok := idOf(nss(name), name); ok {
		return gid, nil
	}
	return 0, fmt.Errorf("unknown group %q", name)
}

// NSSEntry is the fields of getent's entry for key in the NSS database
// named (passwd, group: "name:password:id:..."), asked within a second;
// nil when it has none.
func NSSEntry(database, key string) []string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "getent", database, "--", key).Output()
	if err != nil {
		return nil
	}
	return nssFields(string(out))
}

// nssFields splits getent's line into its fields, nil when it has fewer
// than a name, a password and an ID.
func nssFields(line string) []string {
	fields := strings.Split(strings.TrimSpace(line), ":")
	if len(fields) < 3 {
		return nil
	}
	return fields
}

// NSSID is the numeric ID NSS gives the account or group named name in
// database (passwd, group), when getent has an entry of that very name.
func NSSID(database, name string) (int, bool) {
	return idOf(NSSEntry(database, name), name)
}

// idOf reads the ID from an entry's fields, only when the entry names the
// one asked for.
func idOf(fields []string, name string) (int, bool) {
	if len(fields) < 3 || fields[0] != name || name == "" {
		return 0, false
	}
	id, err := strconv.Atoi(fields[2])
	if err != nil || id < 0 {
		return 0, false
	}
	return id, true
}

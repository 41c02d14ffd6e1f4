package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"rightsdesk/storage"
)

// Team mode is set by configuration only (TRUST.md, "Two modes"): the
// host's /etc/rightsdesk/config.toml, or --socket PATH, or
// $RIGHTSDESK_SOCKET. A socket file existing somewhere never sets it, so
// that nobody can switch another user into team mode (or out of it) by
// planting or removing a file.

// defaultConfigFile is the host's configuration; $RIGHTSDESK_CONFIG names
// another (tests, and a user trying a configuration before it is installed).
const defaultConfigFile = "/etc/rightsdesk/config.toml"

// defaultServiceUser is the account the team server runs as unless the
// configuration names another.
const defaultServiceUser = "rightsdesk"

// maxConfigBytes bounds what is read of the configuration file.
const maxConfigBytes = 1 << 20

// config is the host's configuration of team mode.
type config struct {
	// Socket is the team server's socket: set, the host is in team mode.
	Socket string `toml:"socket"`
	// ServiceUser is the account the server runs as, by name or uid: the
	// socket file and the server must be it (or root), and it is never a
	// member of the team.
	ServiceUser serviceUser `toml:"service_user"`
	// SharedAccounts are Unix accounts several people use: never members.
	SharedAccounts []string `toml:"shared_accounts"`
	// StateDir is the server's folder: serve keeps its database there
	// (cases.db) when --db is not given.
	StateDir string `toml:"state_dir"`

	// file is where the configuration was read from ("" when there was
	// none).
	file string
}

// serviceUser is service_user: a name, or a uid written as a number.
type serviceUser string

// UnmarshalTOML takes a string or a whole number.
func (u *serviceUser) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case string:
		*u = serviceUser(strings.TrimSpace(v))
	case int64:
		if v < 0 || v > 1<<31 {
			return fmt.Errorf("service_user %d is not a uid", v)
		}
		*u = serviceUser(strconv.FormatInt(v, 10))
	default:
		return fmt.Errorf("service_user: want an account's name or uid, not %T", v)
	}
	return nil
}

// configFile is the configuration's path: $RIGHTSDESK_CONFIG, else the
// host's.
func configFile(getenv func(string) string) string {
	if v := getenv("RIGHTSDESK_CONFIG"); v != "" {
		return v
	}
	return defaultConfigFile
}

// loadConfig reads the configuration file; none is an empty configuration
// (personal mode unless --socket or $RIGHTSDESK_SOCKET says otherwise).
// A file that cannot be read or is malformed is an error naming the file:
// a host meant to be in team mode must not fall back to a local database
// because of a typo.
func loadConfig(getenv func(string) string) (*config, error) {
	path := configFile(getenv)
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &config{ServiceUser: defaultServiceUser}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("the configuration %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("the configuration %s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("the configuration %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, fmt.Errorf("the configuration %s: %w", path, err)
	}
	if len(data) > maxConfigBytes {
		return nil, fmt.Errorf("the configuration %s is larger than %d bytes", path, maxConfigBytes)
	}
	return parseConfig(path, data)
}

// parseConfig reads a configuration file's text; path names it in errors.
func parseConfig(path string, data []byte) (*config, error) {
	var c config
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&c)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return nil, fmt.Errorf("the configuration %s: line %d: %s", path, perr.Position.Line, perr.Message)
		}
		return nil, fmt.Errorf("the configuration %s: %w", path, err)
	}
	if extra := md.Undecoded(); len(extra) > 0 {
		return nil, fmt.Errorf("the configuration %s: unknown key %q (known: socket, service_user, shared_accounts, state_dir)", path, extra[0].String())
	}
	c.Socket = strings.TrimSpace(c.Socket)
	if c.Socket != "" && !strings.HasPrefix(c.Socket, "/") {
		return nil, fmt.Errorf("the configuration %s: socket %q must be an absolute path", path, c.Socket)
	}
	if c.StateDir != "" && !strings.HasPrefix(c.StateDir, "/") {
		return nil, fmt.Errorf("the configuration %s: state_dir %q must be an absolute path", path, c.StateDir)
	}
	for _, s := range c.SharedAccounts {
		if strings.TrimSpace(s) == "" {
			return nil, fmt.Errorf("the configuration %s: shared_accounts holds an empty name", path)
		}
	}
	if c.ServiceUser == "" {
		c.ServiceUser = defaultServiceUser
	}
	c.file = path
	return &c, nil
}

// teamSocket is the team server's socket this command talks to: --socket,
// else $RIGHTSDESK_SOCKET, else the configuration's; "" is personal mode.
func teamSocket(flag string, getenv func(string) string, c *config) string {
	if flag != "" {
		return flag
	}
	if v := strings.TrimSpace(getenv("RIGHTSDESK_SOCKET")); v != "" {
		return v
	}
	return c.Socket
}

// uid is the service user's uid, through the system (os/user) or NSS
// (getent): a directory-service account must work as a local one.
func (u serviceUser) uid() (int, error) {
	s := string(u)
	if n, err := strconv.Atoi(s); err == nil && n >= 0 {
		return n, nil
	}
	if acct, err := user.Lookup(s); err == nil {
		if n, err := strconv.Atoi(acct.Uid); err == nil {
			return n, nil
		}
	}
	if n, ok := storage.NSSID("passwd", s); ok {
		return n, nil
	}
	return 0, fmt.Errorf("the service user %q is not an account on this host (service_user in the configuration)", s)
}

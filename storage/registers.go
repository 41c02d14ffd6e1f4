package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"rightsdesk/cases/register"
	"rightsdesk/storage/kv"
)

// Registers live in the database (schema 3), so that a team shares one:
// the registers bucket holds per organisation a bucket of its versions,
// numbered from 1, each kept forever with its TOML exactly as stored, its
// SHA-256, who stored it, when and why.

var bucketRegisters = []byte("registers") // v3: ID -> bucket: number (8 bytes) -> version

// Who and why of the versions seeded from the built-in registers.
const (
	SeedActor  = "rightsdesk"
	SeedReason = "built-in register, from the organisation's privacy policy"
)

// RegisterVersion is one stored version of an organisation's register.
type RegisterVersion struct {
	Register string    `json:"register"`
	Number   int       `json:"number"`
	SHA256   string    `json:"sha256"` // of TOML
	Actor    string    `json:"actor"`
	At       time.Time `json:"at"`
	Reason   string    `json:"reason"`
	TOML     []byte    `json:"-"`
}

// Label names the version as letters and records cite it:
// "crisp version 3 (sha256 1a2b3c4d)".
func (v RegisterVersion) Label() string {
	return fmt.Sprintf("%s version %d (sha256 %.8s)", v.Register, v.Number, v.SHA256)
}

// RegisterChanged refuses a version stored on top of one that is no longer
// the current one: someone else stored Current meanwhile.
type RegisterChanged struct {
	Base    int // the version the change was made from
	Current RegisterVersion
}

func (e *RegisterChanged) Error() string {
	return fmt.Sprintf("register %s changed meanwhile: version %d was stored by %s at %s (%s); the change was made to version %d",
		e.Current.Register, e.Current.Number, e.Current.Actor, e.Current.At.Format(time.RFC3339), e.Current.Reason, e.Base)
}

// A version's value: its header as JSON, then the TOML as stored.
func encodeVersion(v RegisterVersion) ([]byte, error) {
	head, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := binary.AppendUvarint(nil, uint64(len(head)))
	out = append(out, head...)
	return append(out, v.TOML...), nil
}

func decodeVersion(value []byte) (RegisterVersion, error) {
	var v RegisterVersion
	n, k := binary.Uvarint(value)
	if k <= 0 || uint64(len(value)-k) < n {
		return v, errors.New("unreadable register version")
	}
	if err := json.Unmarshal(value[k:k+int(n)], &v); err != nil {
		return v, fmt.Errorf("unreadable register version: %w", err)
	}
	v.TOML = append([]byte(nil), value[k+int(n):]...)
	return v, nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// currentVersion is the last version of register id in tx (false: none).
func currentVersion(tx kv.Tx, id string) (RegisterVersion, bool, error) {
	b := tx.Bucket(bucketRegisters).Bucket([]byte(id))
	if b == nil {
		return RegisterVersion{}, false, nil
	}
	_, value := b.Cursor().Last()
	if value == nil {
		return RegisterVersion{}, false, nil
	}
	v, err := decodeVersion(value)
	return v, err == nil, err
}

// putVersion stores data as the next version of its register, unless it is
// the current version's bytes (stored false). base is the version the
// caller changed (0: whatever is current).
func putVersion(tx kv.Tx, id string, data []byte, base int, actor, reason string, at time.Time) (RegisterVersion, bool, error) {
	cur, ok, err := currentVersion(tx, id)
	if err != nil {
		return cur, false, err
	}
	if ok && bytes.Equal(cur.TOML, WithVersionLine(data, cur.Number)) {
		return cur, false, nil
	}
	data = WithVersionLine(data, cur.Number+1)
	if base > 0 && ok && cur.Number != base {
		return cur, false, &RegisterChanged{Base: base, Current: cur}
	}
	b, err := tx.Bucket(bucketRegisters).CreateBucketIfNotExists([]byte(id))
	if err != nil {
		return cur, false, err
	}
	v := RegisterVersion{Register: id, Number: cur.Number + 1, SHA256: sha256Hex(data), Actor: actor, At: at.UTC(),
		Reason: reason, TOML: data}
	value, err := encodeVersion(v)
	if err != nil {
		return v, false, err
	}
	return v, true, b.Put(u64(uint64(v.Number)), value)
}

// WithVersionLine sets the register's own "version = ..." line (before its
// first table) to the number it is stored as, so that the TOML of a version
// says which it is; a file without the line is left as it is.
func WithVersionLine(data []byte, n int) []byte {
	lines := bytes.SplitAfter(data, []byte("\n"))
	for i, line := range lines {
		trimmed := bytes.TrimSpace(line)
		if bytes.HasPrefix(trimmed, []byte("[")) {
			break
		}
		key, _, found := bytes.Cut(trimmed, []byte("="))
		if !found || string(bytes.TrimSpace(key)) != "version" {
			continue
		}
		eol := line[len(bytes.TrimRight(line, "\r\n")):]
		out := append([]byte(nil), bytes.Join(lines[:i], nil)...)
		out = fmt.Appendf(out, "version = %d%s", n, eol)
		return append(out, bytes.Join(lines[i+1:], nil)...)
	}
	return data
}

// seedRegisters stores each built-in register that the database does not
// hold yet as its version 1.
func seedRegisters(tx kv.Tx, at time.Time) error {
	layer := register.Embedded()
	entries, err := fs.ReadDir(layer.FS, ".")
	if err != nil {
		return fmt.Errorf("read the built-in registers: %w", err)
	}
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".toml")
		if !ok || tx.Bucket(bucketRegisters).Bucket([]byte(id)) != nil {
			continue
		}
		data, err := fs.ReadFile(layer.FS, e.Name())
		if err != nil {
			return fmt.Errorf("read the built-in register %s: %w", id, err)
		}
		if _, _, err := putVersion(tx, id, data, 0, SeedActor, SeedReason, at); err != nil {
			return fmt.Errorf("seed register %s: %w", id, err)
		}
	}
	return nil
}

// checkRegisters verifies each stored register version against its
// SHA-256 and its number.
func checkRegisters(tx kv.Tx) []Problem {
	regs := tx.Bucket(bucketRegisters)
	if regs == nil {
		return nil
	}
	var problems []Problem
	_ = regs.ForEach(func(id, _ []byte) error {
		b := regs.Bucket(id)
		if b == nil {
			return nil
		}
		n := 0
		return b.ForEach(func(k, value []byte) error {
			n++
			v, err := decodeVersion(value)
			switch {
			case err != nil:
				problems = append(problems, Problem{Detail: fmt.Sprintf("register %s version %d: %v", id, n, err)})
			case v.Number != n || binary.BigEndian.Uint64(k) != uint64(n):
				problems = append(problems, Problem{Detail: fmt.Sprintf("register %s: version %d out of sequence", id, n)})
			case sha256Hex(v.TOML) != v.SHA256:
				problems = append(problems, Problem{Detail: fmt.Sprintf("register %s version %d does not match its SHA-256 (altered)", id, n)})
			}
			return nil
		})
	})
	return problems
}

// CurrentRegisters are the current version of every organisation's
// register, by id. A database not made yet gives nil and ErrNoDatabase:
// the caller may use the built-in registers, which init would seed.
func (s *Store) CurrentRegisters() ([]RegisterVersion, error) {
	var out []RegisterVersion
	err := s.view(func(tx kv.Tx) error {
		return tx.Bucket(bucketRegisters).ForEach(func(id, _ []byte) error {
			v, ok, err := currentVersion(tx, string(id))
			if ok {
				out = append(out, v)
			}
			return err
		})
	})
	return out, err
}

// RegisterHistory lists every version of register id, oldest first.
func (s *Store) RegisterHistory(id string) ([]RegisterVersion, error) {
	var out []RegisterVersion
	err := s.view(func(tx kv.Tx) error {
		b := tx.Bucket(bucketRegisters).Bucket([]byte(id))
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, value []byte) error {
			v, err := decodeVersion(value)
			out = append(out, v)
			return err
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, err
}

// PutRegister stores data as the next version of register id, after
// checking it parses and validates as that register; its version line is
// set to the version's number. The current version's bytes (whatever their
// version line says) store nothing (stored false). base is the version the change was
// made from: when another was stored since, it is refused with a
// *RegisterChanged naming it (0: no such check, as for an import).
func (s *Store) PutRegister(id string, data []byte, base int, actor, reason string, at time.Time) (RegisterVersion, bool, error) {
	r, err := register.ParseRegister(id+".toml", data)
	if err != nil {
		return RegisterVersion{}, false, err
	}
	if r.ID != id {
		return RegisterVersion{}, false, fmt.Errorf("the file is the register of %q, not of %q", r.ID, id)
	}
	if strings.TrimSpace(actor) == "" || strings.TrimSpace(reason) == "" {
		return RegisterVersion{}, false, errors.New("a register version needs who stores it and why")
	}
	var v RegisterVersion
	var stored bool
	err = s.update(func(tx kv.Tx) error {
		v, stored, err = putVersion(tx, id, data, base, actor, reason, at)
		return err
	})
	return v, stored, err
}

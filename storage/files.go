package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"rightsdesk/storage/kv"
)

// From schema 9 the files attached to cases are in one flat bucket,
// bucketAttached, not a bucket per case (bucketFiles, which bbolt stored
// as 600-byte inline values that left a fifth of their pages empty):
//
//   - a case's small files (up to smallFile bytes each) are one value
//     under the case's ID: each file's name and content, in name order,
//     compressed with the closed cases' dictionary (frozendict.go) when
//     that makes them smaller. The demo's files of a case repeat the
//     subject's name and address; 490 bytes of them become about 200.
//   - a larger file is a value of its own, under the case's ID, a zero
//     byte and its name, stored as it is: attaching a file never rewrites
//     megabytes already stored.
var bucketAttached = []byte("attached")

// smallFile is the largest file kept in its case's file set.
const smallFile = 4096

// The first byte of a file set.
const (
	fileSetPlain = 1 // the files follow as they are
	fileSetZstd  = 2 // the files follow compressed with zstdCases
)

// fileSet is the small files of a case, in name order.
type fileSet struct {
	names    []string
	contents [][]byte
}

func decodeFileSet(v []byte) (fileSet, error) {
	var fs fileSet
	if len(v) == 0 {
		return fs, errors.New("an empty file set")
	}
	plain := v[1:]
	switch v[0] {
	case fileSetPlain:
	case fileSetZstd:
		var err error
		if plain, err = zstdCases.decompress(plain); err != nil {
			return fs, fmt.Errorf("a file set: %w", err)
		}
	default:
		return fs, fmt.Errorf("a file set of format %d", v[0])
	}
	for len(plain) > 0 {
		name, rest, ok := cutLengthPrefixed(plain)
		content, rest2, ok2 := cutLengthPrefixed(rest)
		if !ok || !ok2 {
			return fs, errors.New("a file set cut short")
		}
		fs.names, fs.contents = append(fs.names, string(name)), append(fs.contents, content)
		plain = rest2
	}
	return fs, nil
}

// cutLengthPrefixed splits off a uvarint-length-prefixed part of b.
func cutLengthPrefixed(b []byte) (part, rest []byte, ok bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return nil, nil, false
	}
	return b[k : k+int(n)], b[k+int(n):], true
}

func (fs *fileSet) encode() ([]byte, error) {
	plain := []byte{}
	for i, name := range fs.names {
		plain = appendString(plain, name)
		plain = append(binary.AppendUvarint(plain, uint64(len(fs.contents[i]))), fs.contents[i]...)
	}
	packed, err := zstdCases.compress([]byte{fileSetZstd}, plain)
	if err != nil {
		return nil, err
	}
	if len(packed) < 1+len(plain) {
		return packed, nil
	}
	return append([]byte{fileSetPlain}, plain...), nil
}

// put adds or replaces the file name.
func (fs *fileSet) put(name string, content []byte) {
	i, found := slices.BinarySearch(fs.names, name)
	if found {
		fs.contents[i] = content
		return
	}
	fs.names, fs.contents = slices.Insert(fs.names, i, name), slices.Insert(fs.contents, i, content)
}

// bigFileKey is the key of a file too large for its case's file set.
func bigFileKey(id, name string) []byte {
	return append(append(append(make([]byte, 0, len(id)+1+len(name)), id...), 0), name...)
}

// putFile stores an attached file's content with its case, replacing a
// file of the same name.
func putFile(tx kv.Tx, id, name string, content []byte) error {
	return putFiles(tx, id, []string{name}, [][]byte{content})
}

// putFiles stores files attached to a case (names[i]'s content is
// contents[i]), replacing files of the same names: the case's file set is
// read and written once, however many there are (a bulk load's case).
func putFiles(tx kv.Tx, id string, names []string, contents [][]byte) error {
	b, err := tx.CreateBucketIfNotExists(bucketAttached)
	if err != nil {
		return err
	}
	var fs fileSet
	if v := b.Get([]byte(id)); v != nil {
		if fs, err = decodeFileSet(v); err != nil {
			return fmt.Errorf("case %s: %w", id, err)
		}
	}
	for i, name := range names {
		content := contents[i]
		if content == nil {
			content = []byte{}
		}
		big := bigFileKey(id, name)
		if len(content) > smallFile {
			if j, found := slices.BinarySearch(fs.names, name); found {
				fs.names, fs.contents = slices.Delete(fs.names, j, j+1), slices.Delete(fs.contents, j, j+1)
			}
			if err := b.Put(big, content); err != nil {
				return fmt.Errorf("store %s: %w", name, err)
			}
			continue
		}
		if err := b.Delete(big); err != nil {
			return err
		}
		fs.put(name, content)
	}
	if err := putFileSet(b, id, &fs); err != nil {
		return fmt.Errorf("case %s: store its files: %w", id, err)
	}
	return nil
}

func putFileSet(b kv.Bucket, id string, fs *fileSet) error {
	if len(fs.names) == 0 {
		return b.Delete([]byte(id))
	}
	v, err := fs.encode()
	if err != nil {
		return err
	}
	return b.Put([]byte(id), v)
}

// fileOf is the content of the file name attached to case id, nil when
// it has none of that name. Until step 9 of the migrator has moved the
// case's files, they are read from their bucket of schema 8.
func fileOf(tx kv.Tx, id, name string) ([]byte, error) {
	if old := tx.Bucket(bucketFiles); old != nil {
		if b := old.Bucket([]byte(id)); b != nil {
			return b.Get([]byte(name)), nil
		}
	}
	b := tx.Bucket(bucketAttached)
	if b == nil {
		return nil, nil
	}
	if v := b.Get(bigFileKey(id, name)); v != nil {
		return v, nil
	}
	v := b.Get([]byte(id))
	if v == nil {
		return nil, nil
	}
	fs, err := decodeFileSet(v)
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", id, err)
	}
	if i, found := slices.BinarySearch(fs.names, name); found {
		return fs.contents[i], nil
	}
	return nil, nil
}

// eachFile calls fn with the name and content of each file attached to
// case id.
func eachFile(tx kv.Tx, id string, fn func(name string, content []byte) error) error {
	if old := tx.Bucket(bucketFiles); old != nil {
		if b := old.Bucket([]byte(id)); b != nil {
			return b.ForEach(func(k, v []byte) error { return fn(string(k), v) })
		}
	}
	b := tx.Bucket(bucketAttached)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	k, v := c.Seek([]byte(id))
	if bytes.Equal(k, []byte(id)) {
		fs, err := decodeFileSet(v)
		if err != nil {
			return fmt.Errorf("case %s: %w", id, err)
		}
		for i, name := range fs.names {
			if err := fn(name, fs.contents[i]); err != nil {
				return err
			}
		}
		k, v = c.Next()
	}
	prefix := bigFileKey(id, "")
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(string(k[len(prefix):]), v); err != nil {
			return err
		}
	}
	return nil
}

// deleteFiles removes every file attached to case id.
func deleteFiles(tx kv.Tx, id string) error {
	if old := tx.Bucket(bucketFiles); old != nil && old.Bucket([]byte(id)) != nil {
		if err := old.DeleteBucket([]byte(id)); err != nil {
			return err
		}
	}
	b := tx.Bucket(bucketAttached)
	if b == nil {
		return nil
	}
	if err := b.Delete([]byte(id)); err != nil {
		return err
	}
	prefix := bigFileKey(id, "")
	var big [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		big = append(big, slices.Clone(k))
	}
	for _, k := range big {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// caseOfFileKey is the case an entry of bucketAttached belongs to.
func caseOfFileKey(k []byte) string {
	id, _, _ := bytes.Cut(k, []byte{0})
	return string(id)
}

// checkFiles verifies the layout of schema 9's attached files: every
// entry belongs to a case, every file set reads, and no bucket of schema
// 8's files is left once no migration is under way. (Each file's content
// is checked against its event by checkFile.)
func checkFiles(tx kv.Tx) []Problem {
	var problems []Problem
	if tx.Bucket(bucketFiles) != nil && tx.Bucket(bucketMeta).Get(keyMigration) == nil {
		problems = append(problems, Problem{Detail: "the attached files of schema 8 are left beside schema 9's (altered)"})
	}
	b, stored := tx.Bucket(bucketAttached), tx.Bucket(bucketCases)
	if b == nil {
		return problems
	}
	_ = b.ForEach(func(k, v []byte) error {
		id := caseOfFileKey(k)
		switch {
		case stored.Get([]byte(id)) == nil:
			problems = append(problems, Problem{CaseID: id, Detail: "attached files of a case that does not exist (altered)"})
		case len(id) == len(k):
			if _, err := decodeFileSet(v); err != nil {
				problems = append(problems, Problem{CaseID: id, Detail: fmt.Sprintf("its attached files are unreadable: %v", err)})
			}
		}
		return nil
	})
	return problems
}

// attachFilesBatch is step 9 of the migrator: the files of up to n cases
// move from their case's bucket in bucketFiles to bucketAttached, and the
// case's bucket is deleted; once none is left, bucketFiles itself. The
// cases are taken from bucketFiles (those with files; a bucket whose case
// is gone moves too), from its first: a rerun of a batch finds what it
// moved gone, and moves nothing twice.
func attachFilesBatch(tx kv.Tx, _ []byte, n int, _ time.Time) ([]byte, error) {
	old := tx.Bucket(bucketFiles)
	if old == nil {
		return nil, nil
	}
	var ids [][]byte
	c := old.Cursor()
	for k, _ := c.First(); k != nil && len(ids) < n; k, _ = c.Next() {
		ids = append(ids, slices.Clone(k))
	}
	if len(ids) == 0 {
		return nil, tx.DeleteBucket(bucketFiles)
	}
	attached, err := tx.CreateBucketIfNotExists(bucketAttached)
	if err != nil {
		return nil, err
	}
	attached.SetFillPercent(0.95) // by case ID, as the migrator goes
	for _, id := range ids {
		if err := moveFiles(tx, old, attached, id); err != nil {
			return nil, fmt.Errorf("case %s: %w", id, err)
		}
	}
	return ids[len(ids)-1], nil
}

// moveFiles moves the files of case id from its bucket in old (schema 8)
// to attached, and deletes that bucket.
func moveFiles(tx kv.Tx, old, attached kv.Bucket, id []byte) error {
	b := old.Bucket(id)
	if b == nil {
		return old.Delete(id) // a value where a bucket belongs: nothing to move
	}
	var fs fileSet
	err := b.ForEach(func(k, v []byte) error {
		if v == nil {
			return nil // a bucket where a file belongs: nothing to move
		}
		if len(v) > smallFile {
			return attached.Put(bigFileKey(string(id), string(k)), slices.Clone(v))
		}
		fs.names, fs.contents = append(fs.names, string(k)), append(fs.contents, slices.Clone(v))
		return nil
	})
	if err != nil {
		return err
	}
	if err := putFileSet(attached, string(id), &fs); err != nil {
		return err
	}
	return old.DeleteBucket(id)
}

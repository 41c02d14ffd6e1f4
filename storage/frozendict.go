package storage

import (
	_ "embed"
	"errors"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Frozen format 4 (timelines) and caseValueFrozen (case values) compress
// with Zstandard and a dictionary each, trained on the values of a demo
// file: the dictionary holds what most values say (field names, kinds,
// letters, rules), and the entropy tables that suit them, so a value of
// a kilobyte or two neither repeats the text nor pays for building its
// own tables, which is what deflate spent most of its time on. Each
// dictionary is part of its format: once shipped it never changes (a new
// one takes a new format byte). They were made by TestTrainFrozenDicts
// (frozendict_test.go) from the demo file of
// `RIGHTSDESK_NOW=2026-11-30T12:00:00Z rightsdesk demo --cases 100000`:
// the builder is not deterministic, so running it again makes another
// dictionary as good, never a copy of these.
var (
	//go:embed frozen_timeline.dict
	timelineDict []byte
	//go:embed frozen_case.dict
	caseDictZstd []byte
)

// The dictionaries' IDs, which each compressed value names.
const (
	timelineDictID = 1
	caseDictID     = 2
)

// maxThawed bounds what one frozen value may thaw to: a damaged value
// that claims more is an error, not an allocation of its claim.
const maxThawed = 1 << 30

// zstdCodec compresses and decompresses with one dictionary. The encoder
// and decoder are made once, on first use, and are safe for concurrent
// use; what they write depends only on the value and the dictionary, not
// on how many run at once (the demo's file stays the same for a seed).
type zstdCodec struct {
	dict *[]byte
	once sync.Once
	enc  *zstd.Encoder
	dec  *zstd.Decoder
	err  error
}

var (
	zstdTimelines = &zstdCodec{dict: &timelineDict}
	zstdCases     = &zstdCodec{dict: &caseDictZstd}
)

func (z *zstdCodec) init() error {
	z.once.Do(func() {
		z.enc, z.err = zstd.NewWriter(nil, zstd.WithEncoderDict(*z.dict), zstd.WithEncoderLevel(zstd.SpeedFastest),
			zstd.WithEncoderCRC(false))
		if z.err != nil {
			return
		}
		z.dec, z.err = zstd.NewReader(nil, zstd.WithDecoderDicts(*z.dict), zstd.WithDecoderConcurrency(0),
			zstd.WithDecoderMaxMemory(maxThawed))
	})
	return z.err
}

// compress appends plain compressed to head.
func (z *zstdCodec) compress(head, plain []byte) ([]byte, error) {
	if err := z.init(); err != nil {
		return nil, err
	}
	return z.enc.EncodeAll(plain, append(make([]byte, 0, len(head)+len(plain)/2), head...)), nil
}

// decompress is what compress compressed.
func (z *zstdCodec) decompress(compressed []byte) ([]byte, error) {
	if err := z.init(); err != nil {
		return nil, err
	}
	if len(compressed) == 0 {
		return nil, errors.New("an empty frozen value")
	}
	return z.dec.DecodeAll(compressed, make([]byte, 0, 4*len(compressed)))
}

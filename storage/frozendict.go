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
// and the decoder are each made on first use (a command that only reads
// frozen values never makes an encoder), and are safe for concurrent use;
// what the encoder writes depends only on the value and the dictionary,
// not on how many run at once (the demo's file stays the same for a seed).
type zstdCodec struct {
	enc func() (*zstd.Encoder, error)
	dec func() (*zstd.Decoder, error)
}

func newZstdCodec(dict *[]byte) *zstdCodec {
	return &zstdCodec{
		enc: sync.OnceValues(func() (*zstd.Encoder, error) {
			return zstd.NewWriter(nil, zstd.WithEncoderDict(*dict), zstd.WithEncoderLevel(zstd.SpeedFastest),
				zstd.WithEncoderCRC(false))
		}),
		dec: sync.OnceValues(func() (*zstd.Decoder, error) {
			return zstd.NewReader(nil, zstd.WithDecoderDicts(*dict), zstd.WithDecoderConcurrency(0),
				zstd.WithDecoderMaxMemory(maxThawed))
		}),
	}
}

var (
	zstdTimelines = newZstdCodec(&timelineDict)
	zstdCases     = newZstdCodec(&caseDictZstd)
)

// compress appends plain compressed to head.
func (z *zstdCodec) compress(head, plain []byte) ([]byte, error) {
	enc, err := z.enc()
	if err != nil {
		return nil, err
	}
	return enc.EncodeAll(plain, append(make([]byte, 0, len(head)+len(plain)/2), head...)), nil
}

// decompress is what compress compressed.
func (z *zstdCodec) decompress(compressed []byte) ([]byte, error) {
	dec, err := z.dec()
	if err != nil {
		return nil, err
	}
	if len(compressed) == 0 {
		return nil, errors.New("an empty frozen value")
	}
	return dec.DecodeAll(compressed, make([]byte, 0, 4*len(compressed)))
}

package storage

import (
	"errors"
	"fmt"
	"time"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
	"rightsdesk/storage/kv"
)

// AddBatches records requests as AddRequests does, a batch of requests a
// transaction, the batches coming from batches until it is closed; done,
// when not nil, is called on the caller's goroutine after each batch is
// committed (the demo exports answers there). Each batch is numbered and
// encoded on other goroutines while the batch before it is put and
// committed, so that the cores encode through the writer's commits and
// syncs, where AddRequests encodes only within a transaction.
//
// So the IDs are numbered ahead of the transactions, from the ID
// buckets' sequences as a first transaction finds them, and the events
// recorded at the time that transaction records at (recordingTime): each
// batch's transaction checks that the sequences it numbered from and that
// time are still the file's, and writes nothing otherwise (another
// process wrote cases or events meanwhile). The IDs are those AddRequests
// would have given, batch by batch.
func (s *Store) AddBatches(batches <-chan [][]*cases.Case, now time.Time, done func([][]*cases.Case) error) error {
	w := s.own()
	var (
		at   time.Time
		seed []byte
		ids  *idsAhead
	)
	err := s.update(func(tx kv.Tx) error {
		var err error
		if at, err = s.recordAtBy(tx, now, w); err != nil {
			return err
		}
		seed = testSeed(tx)
		ids, err = newIDsAhead(tx, s.perOrg)
		return err
	})
	if err != nil {
		return err
	}
	encoded := make(chan aheadBatch, 1)
	stop := make(chan struct{})
	defer func() {
		close(stop)
		for range encoded { // the encoder's last batch, before returning
		}
	}()
	go func() {
		defer close(encoded)
		for requests := range batches {
			select {
			case <-stop:
				return
			default:
			}
			b := ids.encode(requests, now, at, seed)
			select {
			case encoded <- b:
			case <-stop:
				return
			}
			if b.err != nil {
				return
			}
		}
	}()
	for b := range encoded {
		if b.err != nil {
			return b.err
		}
		if len(b.cases) == 0 {
			continue
		}
		write := s.update
		if len(b.requests) > 100 {
			write = s.updateBulk
		}
		err := write(func(tx kv.Tx) error {
			packNewCases(tx)
			got, err := s.recordAtBy(tx, now, w)
			if err != nil {
				return err
			}
			if !got.Equal(at) {
				return fmt.Errorf("%w: its events would be recorded at %s, not at %s as encoded", errWrittenMeanwhile, got.Format(time.RFC3339Nano), at.Format(time.RFC3339Nano))
			}
			if err := b.claim(tx); err != nil {
				return err
			}
			batch, logs := &indexBatch{}, &logBatch{}
			for i := range b.cases {
				if err := b.cases[i].put(tx, batch, logs); err != nil {
					return err
				}
				if (i+1)%256 == 0 || i+1 == len(b.cases) {
					s.report(i+1, len(b.cases))
				}
			}
			if err := logs.flush(tx); err != nil {
				return err
			}
			return batch.flush(tx)
		})
		if err != nil {
			return err
		}
		if done != nil {
			if err := done(b.requests); err != nil {
				return err
			}
		}
	}
	return nil
}

// errWrittenMeanwhile is a bulk write that numbered its cases ahead
// finding the file changed by another writer.
var errWrittenMeanwhile = errors.New("the database was written by another process during the bulk write")

// idsAhead numbers new cases ahead of the transactions that write them,
// from the ID buckets' sequences as they were (AddBatches).
type idsAhead struct {
	perOrg bool
	codes  map[string]string // organisation -> its code in IDs, of those with a register in the file
	seq    map[string]uint64 // ID bucket -> the last number given
	from   map[string]uint64 // of the batch being numbered: the sequence of each bucket it numbers from
}

func newIDsAhead(tx kv.Tx, perOrg bool) (*idsAhead, error) {
	a := &idsAhead{perOrg: perOrg, codes: map[string]string{}, seq: map[string]uint64{}}
	err := tx.Bucket(bucketIDs).ForEachBucket(func(k []byte) error {
		a.seq[string(k)] = tx.Bucket(bucketIDs).Bucket(k).Sequence()
		return nil
	})
	if err != nil || !perOrg {
		return a, err
	}
	regs := tx.Bucket(bucketRegisters)
	if regs == nil {
		return a, nil
	}
	err = regs.ForEachBucket(func(k []byte) error {
		code, err := caseCode(tx, string(k))
		a.codes[string(k)] = code
		return err
	})
	return a, err
}

// next is the ID of the next case of organisation org received in year.
func (a *idsAhead) next(org string, year int) (string, error) {
	code := ""
	if a.perOrg {
		var ok bool
		if code, ok = a.codes[org]; !ok {
			code = register.DefaultCode(org)
		}
	}
	name := idBucket(code, year)
	if _, ok := a.from[name]; !ok {
		a.from[name] = a.seq[name]
	}
	a.seq[name]++
	return formatID(code, year, a.seq[name]), nil
}

// aheadBatch is a batch of requests numbered and encoded ahead of its
// transaction.
type aheadBatch struct {
	requests [][]*cases.Case
	cases    []newCase
	// claims are the ID buckets the batch numbered from: the sequence
	// each had before and after.
	claims map[string][2]uint64
	err    error
}

// encode numbers requests ahead and encodes their cases, recorded at at
// where they say now (recordRequestsAt).
func (a *idsAhead) encode(requests [][]*cases.Case, now, at time.Time, seed []byte) aheadBatch {
	out := aheadBatch{requests: requests, claims: map[string][2]uint64{}}
	a.from = map[string]uint64{}
	var all []*cases.Case
	for _, group := range requests {
		if out.err = numberRequest(a.next, group); out.err != nil {
			return out
		}
		all = append(all, group...)
	}
	for name, from := range a.from {
		out.claims[name] = [2]uint64{from, a.seq[name]}
	}
	recordRequestsAt(requests, now, at)
	out.cases, out.err = encodeCases(all, at, seed)
	return out
}

// claim takes the numbers the batch was numbered with from the ID
// buckets of tx, when no other writer took any since.
func (b *aheadBatch) claim(tx kv.Tx) error {
	for name, r := range b.claims {
		ids, err := tx.Bucket(bucketIDs).CreateBucketIfNotExists([]byte(name))
		if err != nil {
			return err
		}
		if ids.Sequence() != r[0] {
			return fmt.Errorf("%w: cases %s numbered from %d, the file is at %d", errWrittenMeanwhile, name, r[0]+1, ids.Sequence()+1)
		}
		if err := ids.SetSequence(r[1]); err != nil {
			return err
		}
	}
	return nil
}

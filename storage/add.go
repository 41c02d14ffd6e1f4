package storage

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
	"rightsdesk/storage/kv"
)

// nextID numbers a case in the year of its receipt: DSR-2026-000042.
func nextID(tx kv.Tx, year int) (string, error) {
	return nextInBucket(tx, idBucket("", year), "", year)
}

// idBucket is the name of the bucket under bucketIDs whose sequence
// numbers the cases of the year (of the organisation whose code is code,
// when not "").
func idBucket(code string, year int) string {
	if code == "" {
		return strconv.Itoa(year)
	}
	return code + "-" + strconv.Itoa(year)
}

// formatID is the ID numbered n in its year (and code, when not "").
func formatID(code string, year int, n uint64) string {
	if code == "" {
		return fmt.Sprintf("DSR-%04d-%06d", year, n)
	}
	return fmt.Sprintf("DSR-%s-%04d-%06d", code, year, n)
}

// nextInBucket takes the next number of the ID bucket name.
func nextInBucket(tx kv.Tx, name, code string, year int) (string, error) {
	ids, err := tx.Bucket(bucketIDs).CreateBucketIfNotExists([]byte(name))
	if err != nil {
		return "", err
	}
	n, err := ids.NextSequence()
	if err != nil {
		return "", err
	}
	return formatID(code, year, n), nil
}

// Add records a new request: one case per right, linked as one request, in
// one transaction. It returns the cases with their IDs.
func (s *Store) Add(in cases.Intake, rules cases.Rules, now time.Time, actor string) ([]*cases.Case, error) {
	return s.add(in, rules, now, actor, s.own())
}

// add is Add recorded by w (caller.go).
func (s *Store) add(in cases.Intake, rules cases.Rules, now time.Time, actor string, w recorder) ([]*cases.Case, error) {
	created, err := cases.NewCases(in, rules, now, w.actor(actor))
	if err != nil {
		return nil, err
	}
	w.stampAll([][]*cases.Case{created}, now)
	if err := s.addRequests([][]*cases.Case{created}, now, 0, w); err != nil {
		return nil, err
	}
	return created, nil
}

// AddRequests records many requests, each a group of cases already built
// and checked by the domain (cases.NewCases, then cases.Apply for any later
// events). It numbers them, links each group as one request and writes them
// perTx requests to a transaction (0: all in one, so that all or nothing is
// written). It is how imports and the demo generator write in bulk; the
// progress function (SetProgress) is told the cases of the call written
// so far, a block at a time.
func (s *Store) AddRequests(requests [][]*cases.Case, now time.Time, perTx int) error {
	return s.addRequests(requests, now, perTx, s.own())
}

func (s *Store) addRequests(requests [][]*cases.Case, now time.Time, perTx int, w recorder) error {
	if perTx <= 0 {
		perTx = len(requests)
	}
	total, written := 0, 0
	for _, r := range requests {
		total += len(r)
	}
	put := func(done, _ int) { s.report(written+done, total) }
	for start := 0; start < len(requests); start += perTx {
		chunk := requests[start:min(start+perTx, len(requests))]
		write := s.update
		if len(chunk) > 100 {
			write = s.updateBulk
		}
		err := write(func(tx kv.Tx) error {
			batch := &indexBatch{}
			packNewCases(tx)
			at, err := s.recordAtBy(tx, now, w)
			if err != nil {
				return err
			}
			recordRequestsAt(chunk, now, at)
			if err := insertRequests(tx, chunk, at, batch, s.perOrg, put); err != nil {
				return err
			}
			return batch.flush(tx)
		})
		if err != nil {
			return err
		}
		for _, r := range chunk {
			written += len(r)
		}
	}
	return nil
}

// packNewCases sets the fill of the buckets that new cases grow at their
// end, since they take increasing IDs: their pages are packed full
// instead of half. (A later event of an open case splits its full page
// once; the case's next events fill the new one.) bbolt does not keep a
// bucket's FillPercent: each transaction sets it.
func packNewCases(tx kv.Tx) {
	for _, name := range [][]byte{bucketCases, bucketEvents, bucketAttached, bucketRows, bucketChanges} {
		if b := tx.Bucket(name); b != nil {
			b.SetFillPercent(1)
		}
	}
}

// nextOrgID numbers a case of the organisation whose code is code in the
// year of its receipt: DSR-CRISP-2026-000042 (Options.IDsPerOrganisation).
// The sequence is the code's, so that two organisations given the same
// code still never share an ID.
func nextOrgID(tx kv.Tx, code string, year int) (string, error) {
	return nextInBucket(tx, idBucket(code, year), code, year)
}

// caseCodes caches the code of each register version (by its SHA-256):
// parsing a register for every new case would cost more than the case.
var caseCodes sync.Map

// caseCode is the code of organisation org in case IDs: its current
// register's (register.Register.CaseCode), or its ID in capitals when the
// database holds no register of it.
func caseCode(tx kv.Tx, org string) (string, error) {
	v, ok, err := currentVersion(tx, org)
	if err != nil || !ok {
		return register.DefaultCode(org), err
	}
	if code, ok := caseCodes.Load(v.SHA256); ok {
		return code.(string), nil
	}
	r, err := register.ParseRegister(org+".toml", v.TOML)
	if err != nil {
		return "", fmt.Errorf("the register of %s: %w", org, err)
	}
	caseCodes.Store(v.SHA256, r.CaseCode())
	return r.CaseCode(), nil
}

// numberer gives a case of organisation org received in year its ID.
type numberer func(org string, year int) (string, error)

// idsIn numbers cases from the ID buckets of tx, per organisation when
// perOrg.
func idsIn(tx kv.Tx, perOrg bool) numberer {
	return func(org string, year int) (string, error) {
		if !perOrg {
			return nextID(tx, year)
		}
		code, err := caseCode(tx, org)
		if err != nil {
			return "", err
		}
		return nextOrgID(tx, code, year)
	}
}

// numberRequest gives the cases of one request their IDs from next, in
// the year of its receipt, and links them as one request.
func numberRequest(next numberer, group []*cases.Case) error {
	if len(group) == 0 {
		return nil
	}
	loc, err := cases.LoadZone(group[0].Rules.Zone)
	if err != nil {
		return err
	}
	year := group[0].ReceivedAt.In(loc).Year()
	ids := make([]string, len(group))
	for i, c := range group {
		if ids[i], err = next(c.Controller, year); err != nil {
			return err
		}
	}
	for i, c := range group {
		c.ID, c.RequestID, c.Linked = ids[i], ids[0], nil
		for _, id := range ids {
			if id != c.ID {
				c.Linked = append(c.Linked, id)
			}
		}
	}
	return nil
}

// newCase is a case numbered and encoded, ready to be put: its timeline's
// envelopes, its record and what is derived from it.
type newCase struct {
	c *cases.Case
	// envs are the events' envelopes, in order, when the timeline is not
	// frozen (a frozen case drops them once frozen, so that a bulk write's
	// cases waiting for their transaction hold only what they put).
	envs [][]byte
	enc  *encodedCase
	// frozen is the timeline frozen (frozen.go) when the case is written
	// closed, nil otherwise.
	frozen []byte
	// leaves are the events' leaf hashes in its organisation's log
	// (leafHash), in order.
	leaves []tlog.Hash
}

// encodeNewCase encodes a numbered case: its events chained, then its
// record, derived as of now. It touches no transaction.
// Its received event records the case's intake facts as numbered (the
// facts the case says derive from it: loadRecord); seed is the test
// database's (nil: random salts).
func encodeNewCase(c *cases.Case, now time.Time, seed []byte) (newCase, error) {
	rec := &record{Case: c, seed: seed}
	out := newCase{c: c, envs: make([][]byte, 0, len(c.Events)), leaves: make([]tlog.Hash, 0, len(c.Events))}
	sealed := make([]sealedEnvelope, 0, len(c.Events)) // for freezeSealed, should the case be closed
	for i := range c.Events {
		if c.Events[i].Kind == cases.EventReceived && i == 0 {
			c.Events[i].Facts = cases.FactsOf(c)
		}
		env, parts, err := rec.chainSealed(c.Events[i])
		if err != nil {
			return out, err
		}
		out.envs = append(out.envs, env)
		sealed = append(sealed, parts)
		out.leaves = append(out.leaves, leafHash(c.ID, uint64(i+1), rec.LastDigest))
	}
	st, err := rec.deriveState(now, true)
	if err != nil {
		return out, err
	}
	if out.enc, err = encodeCase(rec, st); err != nil {
		return out, err
	}
	if st.Status == cases.StatusClosed {
		if out.frozen, err = freezeSealed(c.ID, out.envs, sealed); err != nil {
			return out, err
		}
		out.envs = nil
		out.enc.value, err = freezeCaseValue(out.enc.value)
	}
	return out, err
}

// put writes an encoded new case: its timeline and files, then its record,
// row and index entry, and logs the change. Its events' leaves go to logs,
// appended to the logs when the transaction's cases are all put.
func (n *newCase) put(tx kv.Tx, batch *indexBatch, logs *logBatch) error {
	tl, err := timelineFor(tx, n.c.ID)
	if err != nil {
		return err
	}
	if n.frozen != nil {
		if err := tl.putFrozen(n.frozen); err != nil {
			return err
		}
	}
	if err := logs.add(tx, n.c, n.leaves); err != nil {
		return err
	}
	var names []string
	var contents [][]byte
	for i := range n.c.Events {
		if n.frozen == nil {
			if err := tl.put(uint64(i+1), n.envs[i]); err != nil {
				return err
			}
		}
		if a := n.c.Events[i].Attachment; n.c.Events[i].Kind == cases.EventAttached && a != nil && a.Content != nil {
			names, contents = append(names, a.Name), append(contents, a.Content)
		}
	}
	if len(names) > 0 {
		if err := putFiles(tx, n.c.ID, names, contents); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bucketCases).Put(n.enc.id, n.enc.value); err != nil {
		return err
	}
	if err := putRules(tx, n.enc.blobs); err != nil {
		return err
	}
	if err := n.enc.putDerived(tx, batch); err != nil {
		return err
	}
	changes := tx.Bucket(bucketChanges)
	seq, err := changes.NextSequence()
	if err != nil {
		return err
	}
	return changes.Put(u64(seq), n.enc.id)
}

// encodeCases encodes numbered new cases (encodeNewCase) on the cores.
func encodeCases(cs []*cases.Case, now time.Time, seed []byte) ([]newCase, error) {
	out := make([]newCase, len(cs))
	errs := make([]error, len(cs))
	workers := max(1, min(runtime.GOMAXPROCS(0), len(cs)/16))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(cs); i += workers {
				out[i], errs[i] = encodeNewCase(cs[i], now, seed)
			}
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// insertRequests numbers the cases of many requests, links each request's
// cases and writes them. Encoding the cases (their chained timelines,
// records, views and rows: most of the work) runs on the other cores a
// block at a time, while the transaction's goroutine puts the block before.
// put, when not nil, is told after each block how many of the cases are
// written (Store.SetProgress).
func insertRequests(tx kv.Tx, requests [][]*cases.Case, now time.Time, batch *indexBatch, perOrg bool, put func(done, total int)) error {
	seed := testSeed(tx)
	logs := &logBatch{}
	var all []*cases.Case
	for _, group := range requests {
		if err := numberRequest(idsIn(tx, perOrg), group); err != nil {
			return err
		}
		all = append(all, group...)
	}
	const blockSize = 256
	type block struct {
		cases []newCase
		err   error
	}
	encode := func(cs []*cases.Case) block {
		out, err := encodeCases(cs, now, seed)
		return block{cases: out, err: err}
	}
	var next chan block
	ahead := func(from int) {
		next = nil
		if from < len(all) {
			next = make(chan block, 1)
			cs := all[from:min(from+blockSize, len(all))]
			go func(ch chan block) { ch <- encode(cs) }(next)
		}
	}
	ahead(0)
	for from := 0; next != nil; from += blockSize {
		b := <-next
		ahead(from + blockSize) // the next block is encoded while this one is put
		if b.err != nil {
			if next != nil {
				<-next // let the block ahead finish before the transaction ends
			}
			return b.err
		}
		for i := range b.cases {
			if err := b.cases[i].put(tx, batch, logs); err != nil {
				if next != nil {
					<-next
				}
				return err
			}
		}
		if put != nil {
			put(from+len(b.cases), len(all))
		}
	}
	return logs.flush(tx)
}

// logBatch holds the leaves a bulk write appends to each organisation's
// log (tlog.go), to be appended in one pass per log at the end of the
// transaction (appendTiledAll): each case's log entry is put as its case
// is, with the leaf indexes its events will have.
type logBatch struct {
	logs  map[string]*pendingLog
	order []string // organisations in the order they were first logged to
}

// pendingLog is an organisation's log as a bulk write leaves it: its size
// before, and the leaf hashes appended after.
type pendingLog struct {
	size   int64
	leaves []tlog.Hash
	runs   []leafRun // the cases whose events the leaves are
}

// add logs the events of a new case c, whose leaf hashes are leaves: its
// log entry (logLeaves) is put now, its leaves appended at flush. A case
// already logged is refused: a new case never is.
func (l *logBatch) add(tx kv.Tx, c *cases.Case, leaves []tlog.Hash) error {
	lb, err := tx.CreateBucketIfNotExists(bucketLogLeaves)
	if err != nil {
		return err
	}
	if lb.Get([]byte(c.ID)) != nil {
		return fmt.Errorf("case %s: logged before it was written", c.ID)
	}
	org := c.Controller
	p := l.logs[org]
	if p == nil {
		b, err := orgLog(tx, org)
		if err != nil {
			return err
		}
		if l.logs == nil {
			l.logs = map[string]*pendingLog{}
		}
		p = &pendingLog{size: logSize(b)}
		l.logs[org], l.order = p, append(l.order, org)
	}
	indexes := make([]int64, len(leaves))
	for i := range leaves {
		indexes[i] = p.size + int64(len(p.leaves)+i)
	}
	p.leaves = append(p.leaves, leaves...)
	p.runs = append(p.runs, leafRun{id: c.ID, n: len(leaves)})
	return lb.Put([]byte(c.ID), encodeLogLeaves(org, indexes))
}

// flush appends the pending leaves to their logs.
func (l *logBatch) flush(tx kv.Tx) error {
	for _, org := range l.order {
		p := l.logs[org]
		b := tx.Bucket(bucketLogs).Bucket([]byte(org))
		b.SetFillPercent(0.95) // it grows at its end only
		if err := appendTiledAll(b, p.size, p.leaves, p.runs); err != nil {
			return fmt.Errorf("the log of %s: %w", org, err)
		}
		if err := b.Put(keyLogSize, u64(uint64(p.size+int64(len(p.leaves))))); err != nil {
			return err
		}
	}
	l.logs, l.order = nil, nil
	return nil
}

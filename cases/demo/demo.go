package demo

import (
	"rightsdesk/cases"
	"rightsdesk/cases/register"

	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options say what demo data to make.
type Options struct {
	Cases     int       // at least this many cases (a request may hold several)
	Seed      uint64    // the same seed, Now, registers and team give the same cases
	Now       time.Time // cases are received over the Period(Cases) days before it
	Registers []*register.Register
	// Team are the people who record events and are assigned cases; empty
	// means Team.
	Team []string
}

// Team is the small fictional privacy team the demo cases are worked by
// when no team is given.
var Team = []string{"anna", "marc", "zofia", "theo"}

// Days is how far back demo cases are received, up to Days*IntakePerDay cases:
// about three months, so that the queue holds new, extended, overdue and
// closed cases at once.
const Days = 92

// IntakePerDay is the steady intake of a large demo, in cases a day: that
// of a busy service (a large retailer or telecom operator). Up to Days
// times this (46,000 cases) a demo spreads its cases over Days days, as it
// always has; beyond, the period grows with the count at this intake
// (Period), so that the open work stays about what such a service has
// (some 14,000 cases) while the archive of closed cases grows: 100,000
// cases cover 200 days, 1,000,000 cover 2,000 days (five and a half
// years).
const IntakePerDay = 500

// Period is the number of days before now over which a demo of n cases is
// received: Days, or n/IntakePerDay (rounded up) when that is longer.
func Period(n int) int {
	return max(Days, (n+IntakePerDay-1)/IntakePerDay)
}

// Generate makes fictional cases for the given organisations, as requests (the
// linked cases of one request together), IDs left to the store. See
// Batches.
func Generate(opts Options) ([][]*cases.Case, error) {
	var out [][]*cases.Case
	err := Batches(opts, 0, func(batch [][]*cases.Case) error {
		out = append(out, batch...)
		return nil
	})
	return out, err
}

// Batches makes fictional cases for the given organisations and hands
// them to fn in batches of size requests (0: one batch), in order; it
// makes the next batch while fn works on the last, so that a writer and the
// generator overlap. An error from fn stops it. The batches are fn's to
// keep.
//
// The cases cover every right, several rights in one request, agents,
// parents and guardians as requesters, every status, outcome and clock
// state the registers' regimes allow, extensions notified in time and late,
// pauses (EU) and restarts (UK), withheld files, notes, tags, small stored
// attachments, reopened cases, and cases due today; they are received over
// the Period(Cases) days before Now. Where the rules hold systems or purposes, each
// case records the work behind its answer, item by item, in agreement with
// its outcome (demo_work.go). Events are recorded within the rules'
// backdate hours, but for a few late entries that say why; letters are
// recorded as sent from the DPO's mailbox (outside, with why), since the
// generator builds no packet. Each case is built through NewCases and
// Apply, recorded at simulated moments never after Now, so every timeline
// is one the real transitions accept. Request i depends only on Seed, i,
// Now and the period, so a smaller run of up to Days*IntakePerDay cases is
// a prefix of a larger one.
//
// A case received before the last Days days (only in a demo longer than
// Days, Period) belongs to the archive: its story always ends before now,
// answered or closed (the stories that leave a recent case waiting or
// forgotten are not told of it), as a service that keeps up its intake
// clears its backlog; only the last Days days hold open work. The archive
// is the first requests, IntakePerDay cases a day on average, day after
// day, handed to fn in order of receipt (made a few whole days at a time,
// sorted, and merged with what the day before left), so that a store
// numbers and files them as a service that received them would;
// the requests of the last Days days follow, received on any of those
// days, as in a demo of Days days.
func Batches(opts Options, size int, fn func([][]*cases.Case) error) error {
	g, err := newDemoGen(opts)
	if err != nil {
		return err
	}
	if size <= 0 {
		size = opts.Cases
	}
	// Requests are made in chunks (the count of cases a chunk holds is
	// known only once it is made), one chunk ahead of fn besides the one
	// being made: the generator fills the time fn waits, and what is made
	// ahead stays bounded whatever the count. (A writer that encodes
	// ahead, storage.Store.AddBatches, is a stage of its own: more chunks
	// ahead would only wait for it, taking memory, 30 KB a case.)
	chunk := min(size, 2048)
	type made struct {
		reqs [][]*cases.Case
		err  error
	}
	chunks := make(chan made, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(chunks)
		count := 0
		// held are archive requests made and sorted, not yet handed on:
		// received after the first request of the next chunk (the
		// office hours of a day in the east and the west overlap the
		// next day's by a few hours of UTC).
		var held [][]*cases.Case
		for first, end := 0, 0; count < opts.Cases; first = end {
			end = g.chunkEnd(first, chunk)
			reqs, err := g.requests(first, end-first)
			if err == nil && first < g.archive {
				// The chunk is whole days of the archive: written in
				// order of receipt, the buckets keyed by it (and by IDs
				// numbered as written) grow at their end.
				slices.SortStableFunc(reqs, byReceipt)
				before := len(held)
				if len(reqs) > 0 {
					before, _ = slices.BinarySearchFunc(held, reqs[0], byReceipt)
				}
				out := held[:before:before]
				held = slices.SortedStableFunc(slices.Values(append(slices.Clone(held[before:]), reqs...)), byReceipt)
				if reqs = out; end >= g.archive {
					reqs, held = append(reqs, held...), nil
				}
			}
			// Cut the last chunk where the count is reached.
			for i, r := range reqs {
				if count >= opts.Cases {
					reqs = reqs[:i]
					break
				}
				count += len(r)
			}
			select {
			case chunks <- made{reqs, err}:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	var batch [][]*cases.Case
	for c := range chunks {
		if c.err != nil {
			return c.err
		}
		for len(c.reqs) > 0 {
			take := min(size-len(batch), len(c.reqs))
			batch = append(batch, c.reqs[:take]...)
			c.reqs = c.reqs[take:]
			if len(batch) == size {
				if err := fn(batch); err != nil {
					return err
				}
				batch = nil
			}
		}
	}
	if len(batch) > 0 {
		return fn(batch)
	}
	return nil
}

// demoMultiRightPercent is how many requests in a hundred name several
// rights (demoRightSets), one case each.
const demoMultiRightPercent = 18

// meanCasesPerRequest is how many cases a request makes on average: one,
// or in demoMultiRightPercent of them the mean size of demoRightSets.
var meanCasesPerRequest = func() float64 {
	n := 0
	for _, set := range demoRightSets {
		n += len(set)
	}
	mean := float64(n) / float64(len(demoRightSets))
	return 1 + demoMultiRightPercent/100.0*(mean-1)
}()

// archiveDay is the day of the archive on which archive request i is
// received, counted from its first: IntakePerDay cases a day, on average.
func (g *demoGen) archiveDay(i int) int {
	return int(float64(i) * meanCasesPerRequest / IntakePerDay)
}

// archiveStart is the first request received on day d of the archive.
func (g *demoGen) archiveStart(d int) int {
	i := int(float64(d) * IntakePerDay / meanCasesPerRequest)
	for i > 0 && g.archiveDay(i-1) >= d {
		i--
	}
	for g.archiveDay(i) < d {
		i++
	}
	return i
}

// chunkEnd is where the chunk of requests from first ends: about size
// requests on, at the end of a day when first is in the archive, so that
// a chunk sorted by receipt leaves the archive in order of receipt.
func (g *demoGen) chunkEnd(first, size int) int {
	if first >= g.archive {
		return first + size
	}
	d := g.archiveDay(first) + 1
	for g.archiveStart(d)-first < size && g.archiveStart(d) < g.archive {
		d++
	}
	return min(g.archiveStart(d), g.archive)
}

// byReceipt orders requests by their receipt.
func byReceipt(a, b []*cases.Case) int { return a[0].ReceivedAt.Compare(b[0].ReceivedAt) }

// demoGen holds what every request of one run shares; it is read-only once
// made, so requests are made in parallel.
type demoGen struct {
	seed  uint64
	now   time.Time
	team  []string
	orgs  []demoOrg
	today map[string]cases.Date // zone -> today's date there
	days  int                   // Period(Cases)
	// archive is how many requests, the first ones, make the archive of a
	// demo longer than Days days (0 in a shorter one): received over the
	// days before the last Days, in order of their number (archiveDay).
	archive int
}

// demoOrg is one organisation with the rules of each regime it faces.
type demoOrg struct {
	reg     *register.Register
	regimes []demoRegime
	// forward is the processor-forward regime, when the organisation's
	// register has a processor role and systems held for customers.
	forward *demoRegime
}

type demoRegime struct {
	rules  cases.Rules
	regime *cases.Regime
	loc    *time.Location
	pools  []demoPool
	// dueToday are receipt dates whose effective deadline (the legal one,
	// or the promise when earlier, as the queue shows it) is today, so that
	// some cases are due today; empty when today is not a working day under
	// a regime that rolls.
	dueToday []cases.Date
}

func newDemoGen(opts Options) (*demoGen, error) {
	if len(opts.Registers) == 0 {
		return nil, errors.New("demo: no organisations")
	}
	if opts.Cases < 1 {
		return nil, errors.New("demo: the number of cases must be at least 1")
	}
	if opts.Now.IsZero() {
		return nil, errors.New("demo: the clock is required")
	}
	g := &demoGen{seed: opts.Seed, now: opts.Now, team: cases.CleanList(opts.Team), today: map[string]cases.Date{}, days: Period(opts.Cases)}
	if g.days > Days {
		g.archive = int(math.Ceil(float64((g.days-Days)*IntakePerDay) / meanCasesPerRequest))
	}
	if len(g.team) == 0 {
		g.team = Team
	}
	for _, reg := range opts.Registers {
		org := demoOrg{reg: reg}
		for _, name := range reg.Regimes() {
			r, err := g.regime(reg, name)
			if err != nil {
				return nil, err
			}
			org.regimes = append(org.regimes, *r)
		}
		// Requests about data the organisation holds only as a processor
		// for its customers, where its data map names such a system: they
		// are forwarded to the customer, whose data they are.
		if fwd, err := reg.Rules("processor-forward"); err == nil && len(fwd.Systems) > 0 {
			if org.forward, err = g.regime(reg, "processor-forward"); err != nil {
				return nil, err
			}
		}
		g.orgs = append(g.orgs, org)
	}
	return g, nil
}

// regime is the organisation's rules under the named regime, with what
// the demo derives from them.
func (g *demoGen) regime(reg *register.Register, name string) (*demoRegime, error) {
	rules, err := reg.Rules(name)
	if err != nil {
		return nil, fmt.Errorf("demo: %s: %w", reg.ID, err)
	}
	rules = rules.WithDefaults()
	regime, err := cases.LookupRegime(rules.Regime)
	if err != nil {
		return nil, fmt.Errorf("demo: %s: %w", reg.ID, err)
	}
	loc, err := cases.LoadZone(rules.Zone)
	if err != nil {
		return nil, fmt.Errorf("demo: %s: %w", reg.ID, err)
	}
	today := cases.DateOf(g.now, loc)
	g.today[rules.Zone] = today
	r := &demoRegime{rules: rules, regime: regime, loc: loc, pools: demoPoolsFor(reg, regime)}
	// The receipt dates that make a case due today, found by the engine
	// itself rather than guessed.
	for back := Days - 1; back >= 10; back-- {
		day := today.AddDays(-back)
		d, err := cases.Compute(cases.Input{Rules: rules, Right: cases.RightAccess, ReceivedAt: day.Start(loc).Add(11 * time.Hour),
			Today: today, Brief: true})
		if err != nil {
			return nil, fmt.Errorf("demo: %s: %w", reg.ID, err)
		}
		if d.EffectiveDue != nil && *d.EffectiveDue == today {
			r.dueToday = append(r.dueToday, day)
		}
	}
	return r, nil
}

// requests makes requests first .. first+n-1, in parallel, each from its
// own random stream.
func (g *demoGen) requests(first, n int) ([][]*cases.Case, error) {
	out := make([][]*cases.Case, n)
	errs := make([]error, n)
	workers := min(runtime.GOMAXPROCS(0), max(1, n/64))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				out[i], errs[i] = g.request(first + i)
			}
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// splitmix scrambles a number (SplitMix64), so that neighbouring request
// numbers seed unrelated streams.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// demoRequest is one request being made: its random stream and the shared
// run.
type demoRequest struct {
	g   *demoGen
	rnd *rand.Rand
	// archived is set for a request received before the last Days days:
	// its cases end closed (Batches).
	archived bool
}

func (r *demoRequest) pick(list []string) string { return list[r.rnd.IntN(len(list))] }

// chance is true percent times in a hundred.
func (r *demoRequest) chance(percent float64) bool { return r.rnd.Float64()*100 < percent }

// within is a random duration between a and b.
func (r *demoRequest) within(a, b time.Duration) time.Duration {
	if b <= a {
		return a
	}
	return a + time.Duration(r.rnd.Int64N(int64(b-a)))
}

const demoDay = 24 * time.Hour

// request makes request number i and lives its cases' stories up to now.
func (g *demoGen) request(i int) ([]*cases.Case, error) {
	r := &demoRequest{g: g, rnd: rand.New(rand.NewPCG(splitmix(g.seed^splitmix(uint64(i))), splitmix(uint64(i)+0x632be59bd9b4e019)))}
	org := &g.orgs[r.rnd.IntN(len(g.orgs))]
	reg := &org.regimes[0]
	if len(org.regimes) > 1 && r.chance(25) {
		reg = &org.regimes[1+r.rnd.IntN(len(org.regimes)-1)]
	}
	if org.forward != nil && r.chance(demoForwardPercent) {
		reg = org.forward
	}
	today := g.today[reg.rules.Zone]

	// Who asks, what for, how.
	p := reg.pools[r.rnd.IntN(len(reg.pools))]
	person := p.person(r)
	in := cases.Intake{Controller: org.reg.ID, Subject: cases.Subject{Name: person.name}, Language: "en"}
	in.Channel = []cases.Channel{cases.ChannelEmail, cases.ChannelEmail, cases.ChannelEmail, cases.ChannelWeb, cases.ChannelWeb, cases.ChannelPortal, cases.ChannelPost, cases.ChannelPhone, cases.ChannelInPerson, cases.ChannelOther}[r.rnd.IntN(10)]
	switch {
	case in.Channel == cases.ChannelPost || r.chance(4):
		in.Subject.PostalAddress = p.address(r)
		if r.chance(50) {
			in.Subject.Email = demoEmail(person, i, r.pick(demoDomains))
		}
	case in.Channel == cases.ChannelPhone:
		in.Subject.Phone = p.phone(r)
		if r.chance(60) {
			in.Subject.Email = demoEmail(person, i, r.pick(demoDomains))
		}
	default:
		in.Subject.Email = demoEmail(person, i, r.pick(demoDomains))
	}
	if r.chance(20) {
		in.Subject.Identifiers = map[string]string{"customer": fmt.Sprintf("C-%06d", r.rnd.IntN(1_000_000))}
	}
	switch n := r.rnd.IntN(100); {
	case n < 7:
		in.Requester = &cases.Requester{Name: r.pick(demoAgents), Relation: cases.RelationAgent}
	case n < 10:
		in.Requester = &cases.Requester{Name: p.relative(r, person.family).name, Relation: cases.RelationParent}
	case n < 11:
		in.Requester = &cases.Requester{Name: p.person(r).name, Relation: cases.RelationGuardian}
	}
	in.Rights = []cases.Right{demoRightWeights[r.rnd.IntN(len(demoRightWeights))]}
	if r.chance(demoMultiRightPercent) {
		in.Rights = slices.Clone(demoRightSets[r.rnd.IntN(len(demoRightSets))])
	}
	in.Text = r.pick(demoTexts[in.Rights[0]])
	if len(in.Rights) > 1 {
		in.Text = demoMultiText(in.Rights)
	}
	if reg.regime.Forwards() {
		in.Text = demoForwardText(in.Rights)
	}

	var dueToday bool
	in.ReceivedAt, dueToday = r.receipt(reg, today, i)
	received := in.ReceivedAt
	recorded := received.Add(r.within(time.Minute, 90*time.Minute))
	if in.Channel == cases.ChannelPost {
		recorded = received.Add(r.within(2*time.Hour, 30*time.Hour)) // opened with the morning post
	}
	recorded = minTime(recorded, g.now)
	cs, err := cases.NewCases(in, reg.rules, recorded, r.pick(g.team))
	if err != nil {
		return nil, fmt.Errorf("demo: request %d (%s): %w", i, person.name, err)
	}
	lives := make([]*demoLife, len(cs))
	for k, c := range cs {
		c.Events = append((*demoTimelines.Get().(*[]cases.Event))[:0], c.Events...)
		lives[k] = &demoLife{r: r, c: c, fold: cases.NewFolding(c), reg: reg, at: received, recorded: recorded}
		if r.chance(demoLatePercent) {
			lives[k].lateAfter = 2 + r.rnd.IntN(10)
		}
	}
	switch {
	case reg.regime.Forwards():
		r.forward(lives)
	case r.prelude(lives, dueToday):
		for _, l := range lives {
			l.work(dueToday)
		}
	}
	for _, l := range lives {
		if l.err != nil {
			return nil, fmt.Errorf("demo: request %d (%s, %s): %w", i, person.name, l.c.Right, l.err)
		}
	}
	for _, c := range cs {
		grown := c.Events
		c.Events = slices.Clone(grown)
		clear(grown)
		demoTimelines.Put(&grown)
	}
	return cs, nil
}

// demoTimelines keeps the slices a case's timeline grows in while its story
// is lived; the case keeps a copy of its own length. Grown by append, a
// timeline of 13 events (the demo's mean, 800 bytes each) allocated 31
// and copied 18 on the way: a sixth of what the generator allocated.
var demoTimelines = sync.Pool{New: func() any { s := make([]cases.Event, 0, 48); return &s }}

// receipt is when request i comes in: in the organisation's office
// hours, over the period's days (an archive request on its day,
// archiveDay; any other over the last Days days); a few (a share of the
// last Days days' cases, whatever the period) on a day that makes them
// due today, which dueToday says. A request received before the last
// Days days is archived.
func (r *demoRequest) receipt(reg *demoRegime, today cases.Date, i int) (received time.Time, dueToday bool) {
	g := r.g
	if i < g.archive {
		r.archived = true
		return today.AddDays(-(g.days - 1 - g.archiveDay(i))).Start(reg.loc).Add(r.within(7*time.Hour, 22*time.Hour)), false
	}
	days := g.days
	if g.archive > 0 {
		days = Days // an archive's last days, as a demo of Days days has them
	}
	dueToday = len(reg.dueToday) > 0 && r.chance(2.5*float64(Days)/float64(days))
	if dueToday {
		return reg.dueToday[r.rnd.IntN(len(reg.dueToday))].Start(reg.loc).Add(r.within(8*time.Hour, 19*time.Hour)), true
	}
	back := r.rnd.IntN(days)
	r.archived = back >= Days
	received = today.AddDays(-back).Start(reg.loc).Add(r.within(7*time.Hour, 22*time.Hour))
	if received.After(g.now) {
		start := today.Start(reg.loc)
		received = start.Add(r.within(0, g.now.Sub(start)))
	}
	return received, false
}

// demoLife is one case's story as it is being lived: the story's clock and
// the last moment recorded.
type demoLife struct {
	r        *demoRequest
	c        *cases.Case
	fold     *cases.Folding // c's timeline folded so far: Apply without a replay per event
	reg      *demoRegime
	at       time.Time // when the next event happens
	recorded time.Time // when the last event was recorded
	err      error
	stopped  bool   // the story reached now (or failed)
	late     string // why the entries being caught up on are late, while they are
	customer string // the customer whose data the case's for-customer items are, once chosen
	// lateAfter is the count of events after which the case's one late
	// episode starts (0: none): an exception, in about one case in a hundred.
	lateAfter int
}

// wait moves the story's clock on by between a and b; false once that is
// after now, which ends the story.
func (l *demoLife) wait(a, b time.Duration) bool {
	l.at = l.at.Add(l.r.within(a, b))
	return l.live()
}

// live reports whether the story is still before now.
func (l *demoLife) live() bool {
	if l.err != nil || l.at.After(l.r.g.now) {
		l.stopped = true
	}
	return !l.stopped
}

// do records ev as happening at the story's moment, recorded a little
// later, never after now, through Apply.
func (l *demoLife) do(ev cases.Event) bool {
	if !l.live() {
		return false
	}
	return l.doAs(ev, l.r.pick(l.r.g.team))
}

func (l *demoLife) doAs(ev cases.Event, actor string) bool {
	rec := l.recordTime()
	ev.At, ev.Actor, ev.Late = l.at, actor, ""
	if rec.Sub(l.at) > l.c.Rules.Backdate() {
		ev.Late = l.late
	}
	done, _, err := l.fold.Apply(ev, rec)
	if err != nil {
		l.err = fmt.Errorf("%s at %s: %w", ev.Kind, l.at.Format(time.RFC3339), err)
		l.stopped = true
		return false
	}
	if err := l.c.Record(done); err != nil {
		l.err, l.stopped = err, true
		return false
	}
	l.recorded = rec
	return true
}

// demoLatePercent is how many cases in a hundred have a late episode.
const demoLatePercent = 1

// recordTime is when the event happening at the story's moment is
// recorded: minutes later as a rule, now and then the next day (within the
// rules' backdate hours), and in about one case in a hundred, once, days
// later, with why (a late entry, WORK.md). A late entry starts an episode: what happened before the
// catching up is recorded in the same sitting and carries the same reason;
// once an event is recorded within the backdate hours the episode ends.
// Outside an episode an event never ends up later than the backdate hours
// allow: the story's moment moves on to when it was recorded instead (it
// was done just before it was written down), so no event carries a reason
// it does not need.
func (l *demoLife) recordTime() time.Time {
	r, now, backdate := l.r, l.r.g.now, l.c.Rules.Backdate()
	base := maxTime(l.at, l.recorded)
	rec := base.Add(r.within(time.Minute, 40*time.Minute))
	switch {
	case l.late == "" && l.lateAfter > 0 && len(l.c.Events) >= l.lateAfter && now.Sub(l.at) > backdate+6*time.Hour:
		l.late, l.lateAfter = r.pick(demoLateReasons), 0
		rec = maxTime(rec, l.at.Add(r.within(backdate+6*time.Hour, 9*demoDay)))
	case r.chance(4):
		rec = maxTime(rec, l.at.Add(r.within(12*time.Hour, backdate-time.Hour))) // written up the next day
	}
	rec = minTime(rec, now)
	switch {
	case rec.Sub(l.at) <= backdate:
		l.late = "" // caught up
	case l.late == "":
		l.at = rec.Add(-r.within(time.Minute, 40*time.Minute))
	}
	return rec
}

// all does the same thing to every case of the request, at the same moment.
func all(lives []*demoLife, ev func(l *demoLife) cases.Event) bool {
	actor := lives[0].r.pick(lives[0].r.g.team)
	for _, l := range lives {
		l.at = lives[0].at
		if !l.live() || !l.doAs(ev(l), actor) {
			return false
		}
	}
	return true
}

// prelude is what the linked cases of a request share: the acknowledgement,
// the assignee and the identity check (and an agent's authority). False
// when the request's story ends there.
func (r *demoRequest) prelude(lives []*demoLife, dueToday bool) bool {
	first := lives[0]
	// A few requests lie untouched: new, and a rare few overdue.
	if !dueToday && r.chance(map[bool]float64{true: 12, false: 0.5}[r.g.now.Sub(first.c.ReceivedAt) < 10*demoDay]) && !r.archived {
		return false
	}
	if r.chance(80) {
		assignee := r.pick(r.g.team)
		if !all(lives, func(*demoLife) cases.Event { return cases.Event{Kind: cases.EventAssigned, Assignee: assignee} }) {
			return false
		}
	}
	if !first.wait(10*time.Minute, 2*demoDay) || !all(lives, func(*demoLife) cases.Event { return cases.Event{Kind: cases.EventAcknowledged} }) {
		return false
	}
	if dueToday {
		return true
	}
	c := first.c
	if c.Requester != nil && c.Requester.Relation != cases.RelationSelf && r.chance(60) {
		if !first.wait(time.Hour, 3*demoDay) || !all(lives, func(*demoLife) cases.Event {
			return cases.Event{Kind: cases.EventAuthorityRequested, Reason: demoAuthorityReason[c.Requester.Relation]}
		}) {
			return false
		}
		if r.chance(20) {
			return r.unanswered(lives)
		}
		if !first.wait(2*demoDay, 14*demoDay) || !all(lives, func(*demoLife) cases.Event { return cases.Event{Kind: cases.EventAuthorityReceived} }) {
			return false
		}
	}
	switch n := r.rnd.IntN(100); {
	case n < 24: // identity asked, mostly within the pause window
		if r.chance(88) {
			first.wait(time.Hour, 5*demoDay)
		} else {
			first.wait(11*demoDay, 18*demoDay) // too late to pause anything
		}
		reason := r.pick(demoDoubts)
		if !all(lives, func(*demoLife) cases.Event { return cases.Event{Kind: cases.EventIDRequested, Reason: reason} }) ||
			!all(lives, func(*demoLife) cases.Event {
				return sentOutside(cases.LetterIdentityRequest)
			}) {
			return false
		}
		switch m := r.rnd.IntN(100); {
		case m < 22:
			return r.unanswered(lives)
		case m < 62: // the information arrives, and is checked a little later
			if !first.wait(2*demoDay, 12*demoDay) || !all(lives, func(*demoLife) cases.Event { return cases.Event{Kind: cases.EventIDReceived} }) {
				return false
			}
			first.wait(time.Hour, 3*demoDay)
		default:
			first.wait(2*demoDay, 12*demoDay)
		}
		method := r.pick(demoMethods)
		return all(lives, func(*demoLife) cases.Event { return cases.Event{Kind: cases.EventIdentityVerified, Method: method} })
	case n < 54: // verified at once from what the request carried
		method := r.pick(demoMethods)
		return all(lives, func(*demoLife) cases.Event { return cases.Event{Kind: cases.EventIdentityVerified, Method: method} })
	}
	return true
}

// unanswered ends a request whose requester never answered what was asked:
// still waiting, or after five weeks or so closed as lapsed (or refused for
// want of identity).
func (r *demoRequest) unanswered(lives []*demoLife) bool {
	first := lives[0]
	if (r.chance(35) && !r.archived) || !first.wait(28*demoDay, 45*demoDay) {
		return false
	}
	for _, l := range lives {
		l.at = first.at
		ev := cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeLapsed}
		if r.chance(20) && idAskedLongAgo(l.c, l.at) {
			ev = cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeRefused, Grounds: []cases.Ground{cases.GroundIdentityNotEstablished},
				Reason: "we could not confirm that you are the person whose data you asked for"}
		}
		if l.do(ev) {
			l.wait(0, demoDay)
			l.do(sentOutside(""))
		}
	}
	return false
}

// idAskedLongAgo reports whether identity was asked for at least the rules'
// identity wait before at, with no answer since: when a refusal may rest on
// identity not being established.
func idAskedLongAgo(c *cases.Case, at time.Time) bool {
	var asked time.Time
	for _, e := range c.Events {
		switch e.Kind {
		case cases.EventIDRequested:
			asked = e.At
		case cases.EventIDReceived, cases.EventIdentityVerified:
			asked = time.Time{}
		}
	}
	rules := c.Events[0].Rules
	return !asked.IsZero() && rules != nil && !at.Before(asked.AddDate(0, 0, rules.IdentityWait()+1))
}

// work is one case's own story after the shared prelude: clarification,
// fee, notes, files, tags, an extension, the outcome and the answer, a
// reopening.
func (l *demoLife) work(dueToday bool) {
	r, c := l.r, l.c
	l.at = maxTime(l.at, l.c.Events[len(l.c.Events)-1].At)
	if !dueToday && r.chance(0.7) && !r.archived { // received, acknowledged, then forgotten
		l.tag("escalated")
		return
	}
	if c.Right != cases.RightComplaint && c.Right != cases.RightWithdrawConsent && !dueToday && r.chance(10) {
		if !l.wait(time.Hour, 6*demoDay) || !l.do(cases.Event{Kind: cases.EventClarificationRequested, Reason: r.pick(demoClarifications)}) {
			return
		}
		if r.chance(25) {
			l.lapse()
			return
		}
		if !l.wait(2*demoDay, 10*demoDay) || !l.do(cases.Event{Kind: cases.EventClarificationReceived}) {
			return
		}
	}
	if c.Right == cases.RightAccess && !dueToday && r.chance(2) {
		if !l.wait(time.Hour, 4*demoDay) || !l.do(cases.Event{Kind: cases.EventFeeRequested, Amount: "EUR 25",
			Reason: "a further copy of data already provided twice this year (Art. 15(3))"}) {
			return
		}
		if r.chance(40) {
			l.lapse()
			return
		}
		if !l.wait(demoDay, 8*demoDay) || !l.do(cases.Event{Kind: cases.EventFeePaid}) {
			return
		}
	}
	st, err := l.fold.Dates(l.at)
	if err != nil {
		l.err = err
		return
	}
	// The deadline as it stands now (the promise if earlier), or a month
	// when there is none (complaints).
	due := c.ReceivedAt.Add(30 * demoDay)
	if d := st.Deadlines.EffectiveDue; d != nil {
		due = d.End(l.reg.loc)
	}
	// An extension, its notice sent in time or too late: decided first,
	// because the work is what takes long.
	extended := false
	if !dueToday && l.reg.regime.HasExtension() && c.Right != cases.RightComplaint && r.chance(11) {
		if extended = l.extend(st); !extended && l.stopped {
			return
		}
	}
	// When the answer goes: mostly on time, some late, a few never.
	var closeAt time.Time
	switch n := r.rnd.IntN(100); {
	case dueToday:
		closeAt = r.g.now.Add(demoDay) // after now: still being worked on
	case extended:
		closeAt = c.ReceivedAt.Add(r.within(38*demoDay, 85*demoDay))
	case n < 1 && !r.archived:
		closeAt = r.g.now.Add(100 * demoDay)
	case n < 8:
		closeAt = due.Add(r.within(time.Hour, 12*demoDay))
	default:
		closeAt = minTime(due.Add(-time.Hour), l.at.Add(r.within(2*demoDay, 24*demoDay)))
	}
	closeAt = maxTime(closeAt, l.at.Add(time.Hour))
	// The work in between, spread over the time left.
	span := minTime(closeAt, l.at.Add(30*demoDay)).Sub(l.at) / 6
	if r.chance(25) {
		if !l.wait(0, span) || !l.tag(r.pick(demoTags)) {
			return
		}
	}
	if r.chance(45) {
		if !l.wait(0, span) || !l.do(cases.Event{Kind: cases.EventNoted, Text: r.pick(demoNotes)}) {
			return
		}
	}
	plan := l.plan()
	if len(plan.results) == 0 && (c.Right == cases.RightAccess || c.Right == cases.RightPortability || r.chance(12)) {
		if !l.attachFiles(span / 2) {
			return
		}
	}
	if c.Right == cases.RightAccess && r.chance(20) {
		if names := demoRecipientNames(c, l.r); len(names) > 0 {
			if !l.wait(0, span) || !l.do(cases.Event{Kind: cases.EventRecipientsChosen, Recipients: names}) {
				return
			}
		}
	}
	if !l.doWork(&plan, closeAt) {
		return
	}
	l.at = maxTime(l.at, closeAt)
	if l.live() {
		l.close(plan.close)
	}
}

// extend decides an extension and sends its notice, in time or (one in
// four) too late; true when the extension is in force.
func (l *demoLife) extend(st *cases.State) bool {
	r, c := l.r, l.c
	l.at = maxTime(l.at, c.ReceivedAt.Add(r.within(12*demoDay, 26*demoDay)))
	if !l.live() {
		return false
	}
	ev := cases.Event{Kind: cases.EventExtensionDecided, Reason: r.pick(demoExtensionReasons)}
	if l.reg.regime.ExtensionNamesDate && st.Deadlines.BaseDue != nil {
		to := st.Deadlines.BaseDue.AddDays(30)
		ev.ExtendedTo = &to
	}
	if !l.do(ev) {
		return false
	}
	by := st.Deadlines.ExtensionNoticeBy
	late := by == nil || r.chance(25)
	if late && by != nil {
		l.at = maxTime(l.at, by.End(l.reg.loc).Add(r.within(2*time.Hour, 5*demoDay)))
	} else {
		l.wait(time.Hour, 2*demoDay)
		if by != nil {
			l.at = maxTime(l.at, minTime(l.at, by.End(l.reg.loc).Add(-time.Hour)))
		}
	}
	if !l.do(sentOutside(cases.LetterExtensionNotice)) {
		return false
	}
	if st, err := l.fold.Dates(l.at); err != nil {
		l.err, l.stopped = err, true
		return false
	} else {
		return st.Deadlines.ExtensionValid != nil && *st.Deadlines.ExtensionValid
	}
}

// lapse closes a case whose requester never answered, after some weeks, or
// leaves it waiting.
func (l *demoLife) lapse() {
	if (l.r.chance(40) && !l.r.archived) || !l.wait(25*demoDay, 40*demoDay) {
		return
	}
	if l.do(cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeLapsed}) {
		l.wait(0, demoDay)
		l.do(sentOutside(""))
	}
}

func (l *demoLife) tag(tag string) bool {
	return l.do(cases.Event{Kind: cases.EventTagged, Tags: []string{tag}})
}

// attachFiles gathers small data copies from the organisation's systems,
// now and then an internal memo or a letter from the subject.
func (l *demoLife) attachFiles(span time.Duration) bool {
	r, c := l.r, l.c
	day0 := cases.DateOf(c.ReceivedAt, l.reg.loc)
	files := []demoFile{{"crm-export.csv", cases.AttachmentDataCopy, "contact", "CRM",
		fmt.Sprintf("field,value\nname,%s\nemail,%s\ncustomer_since,%s\n", csvField(c.Subject.Name), c.Subject.Email, day0.AddDays(-400-r.rnd.IntN(900)))}}
	if r.chance(50) {
		files = append(files, demoFile{"support-tickets.json", cases.AttachmentDataCopy, "support", "Helpdesk",
			fmt.Sprintf(`[{"ticket":"T-%d","opened":"%s","summary":"cannot log in"},{"ticket":"T-%d","opened":"%s","summary":"invoice question"}]`,
				1000+r.rnd.IntN(9000), day0.AddDays(-200), 1000+r.rnd.IntN(9000), day0.AddDays(-30))})
	}
	if r.chance(30) {
		files = append(files, demoFile{"billing.csv", cases.AttachmentDataCopy, "billing", "Billing",
			fmt.Sprintf("invoice,date,amount\nINV-%d,%s,29.00\nINV-%d,%s,29.00\n", r.rnd.IntN(100000), day0.AddDays(-60), r.rnd.IntN(100000), day0.AddDays(-30))})
	}
	if r.chance(20) {
		files = append(files, demoFile{"search-log.txt", cases.AttachmentInternal, "", "",
			"Searched: CRM, billing, helpdesk, marketing list, backups (restore not needed).\n"})
	}
	if r.chance(10) {
		files = append(files, demoFile{"letter-from-subject.txt", cases.AttachmentCorrespondence, "", "",
			"Dear Data Protection Officer, further to my request, please also include my call recordings.\n"})
	}
	for _, f := range files {
		if !l.wait(0, span) {
			return false
		}
		sum := sha256.Sum256([]byte(f.content))
		if !l.do(cases.Event{Kind: cases.EventAttached, Attachment: &cases.Attachment{Name: f.name, Kind: f.kind, Category: f.category,
			System: f.system, Size: int64(len(f.content)), SHA256: hex.EncodeToString(sum[:]), Content: []byte(f.content)}}) {
			return false
		}
	}
	return true
}

type demoFile struct {
	name     string
	kind     cases.AttachmentKind
	category string
	system   string
	content  string
}

func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// close ends a case with the planned outcome, sends the answer (mostly),
// notifies recipients of an erasure, records the processors' confirmations
// of instructed erasures, and now and then reopens it.
func (l *demoLife) close(ev cases.Event) {
	r, c := l.r, l.c
	if ev.Outcome == cases.OutcomePartiallyFulfilled && !l.withhold() {
		return
	}
	// Under processor-forward the forwarding is the duty itself; elsewhere
	// a redirect now and then only tells the requester whom to ask.
	if ev.Outcome == cases.OutcomeRedirected && (l.reg.regime.Forwards() || r.chance(85)) {
		st, err := l.fold.Dates(l.at)
		if err != nil {
			l.err, l.stopped = err, true
			return
		}
		if st.Forwarded == nil && !l.do(cases.Event{Kind: cases.EventForwarded, Customer: ev.RedirectTo}) {
			return
		}
	}
	if ev.Outcome == cases.OutcomeFulfilled && (c.Right == cases.RightErasure || c.Right == cases.RightRectification || c.Right == cases.RightRestriction) {
		if names := demoRecipientNames(c, r); len(names) > 0 {
			for _, name := range names {
				n := cases.Event{Kind: cases.EventRecipientNotified, Recipient: name}
				if r.chance(10) {
					n.Impossible = "the recipient no longer holds the data (contract ended)"
				}
				if !l.do(n) {
					return
				}
			}
		}
	}
	if !l.do(ev) {
		return
	}
	if ev.Outcome != cases.OutcomeDuplicate && r.chance(92) {
		l.wait(0, 20*time.Hour)
		if !l.do(sentOutside("")) {
			return
		}
	}
	l.confirmErasures()
	if r.chance(20) {
		l.wait(0, 3*demoDay)
		l.do(cases.Event{Kind: cases.EventTagged, Tags: []string{"reviewed"}})
	}
	if r.chance(5) && l.wait(4*demoDay, 20*demoDay) {
		reason := cases.ReopenReasons[r.rnd.IntN(len(cases.ReopenReasons))]
		if !l.do(cases.Event{Kind: cases.EventReopened, ReopenReason: reason}) {
			return
		}
		l.do(cases.Event{Kind: cases.EventNoted, Text: demoReopenNotes[reason]})
		if (r.chance(75) || r.archived) && l.wait(2*demoDay, 12*demoDay) {
			again := cases.Event{Kind: cases.EventClosed, Outcome: cases.OutcomeFulfilled}
			if ev.Outcome == cases.OutcomePartiallyFulfilled || ev.Outcome == cases.OutcomeNoData || ev.Outcome == cases.OutcomeRedirected {
				again = ev // what was withheld or refused stays so; what was not found is still not found; the customer's stays the customer's
			}
			if l.do(again) {
				l.do(sentOutside(""))
			}
		}
	}
}

// withhold keeps one gathered data copy from the subject, when there is
// one and the right is one where files go to the subject.
func (l *demoLife) withhold() bool {
	if l.c.Right != cases.RightAccess && l.c.Right != cases.RightPortability {
		return true
	}
	for _, e := range l.c.Events {
		if e.Kind == cases.EventAttached && e.Attachment.Kind == cases.AttachmentDataCopy {
			return l.do(cases.Event{Kind: cases.EventWithheld, File: e.Attachment.Name, Grounds: []cases.Ground{cases.GroundRightsOfOthers},
				Reason: "it names other customers and our staff"})
		}
	}
	return true
}

// demoPartialGround is a ground for refusing part of a request that the
// right allows (vocabulary.go's groundOnlyFor).
func demoPartialGround(r cases.Right) cases.Ground {
	switch r {
	case cases.RightErasure:
		return cases.GroundArt17_3b
	case cases.RightObjection, cases.RightRestriction:
		return cases.GroundCompellingLegitimate
	case cases.RightPortability:
		return cases.GroundNotPortable
	case cases.RightAccess:
		return cases.GroundRightsOfOthers
	}
	return cases.GroundExcessive
}

func demoRefusalGround(r cases.Right, rq *demoRequest) cases.Ground {
	switch {
	case r == cases.RightErasure && rq.chance(50):
		return cases.GroundNoErasureGround
	case r == cases.RightErasure && rq.chance(30):
		return cases.GroundNationalRestriction
	case r == cases.RightObjection && rq.chance(50):
		return cases.GroundLegalClaims
	case rq.chance(50):
		return cases.GroundExcessive
	}
	return cases.GroundManifestlyUnfounded
}

// demoRecipientNames are one or two of the organisation's recipients, as
// the register names them (the register travels with the rules only by
// name, so the case's controller is looked up in the run).
func demoRecipientNames(c *cases.Case, r *demoRequest) []string {
	for i := range r.g.orgs {
		reg := r.g.orgs[i].reg
		if reg.ID != c.Controller {
			continue
		}
		var names []string
		for _, rc := range reg.Recipients {
			if v := strings.TrimSpace(rc.Name.Value); v != "" {
				names = append(names, v)
			}
		}
		if len(names) == 0 {
			return nil
		}
		first := r.rnd.IntN(len(names))
		out := []string{names[first]}
		if len(names) > 1 && r.chance(40) {
			out = append(out, names[(first+1)%len(names)])
		}
		return out
	}
	return nil
}

// sentOutside is a letter sent from the DPO's mailbox: the demo builds no
// packet, so it records no export and no checksum, and every letter it
// sends says so (send --outside with why, WORK.md "What may leave").
// The letter kind is left to Apply when empty (the case's current step).
func sentOutside(letter cases.LetterKind) cases.Event {
	return cases.Event{Kind: cases.EventSent, Letter: letter, Channel: cases.ChannelEmail, Outside: true, Reason: DemoSentReason}
}

// DemoSentReason is why every letter of the demo was sent without an
// exported packet.
const DemoSentReason = "sent from the DPO's mailbox (demo)"

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

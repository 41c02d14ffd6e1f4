package cases

import (
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// FilterIndex is what the queue filter and list --query search, for each
// summary of an immutable snapshot, folded (lower case, accents removed)
// so that "wozniak" finds "Woźniak": the words a query's words are matched
// against (the subject's name and e-mail, the case ID, the organisation,
// the identifiers' values), the labels longer words also find (right,
// status, tags), and what the filter terms @, # and id: test.
//
// Rows are numbered by slot, in the order they were indexed. An index is
// a version: With gives the next one, the rows of a change in new slots,
// without copying or re-folding the others, and leaves the version it
// was asked of unchanged, so that a filter run still reading it (on
// another goroutine) is not disturbed. A case changed is in a new slot and
// its old slot stays with the old row: which slots are the queue, and in
// what order, is the caller's (MatchIn), so that replacing, inserting and
// removing a row cost one row's folding at most.
type FilterIndex struct {
	n      int // the rows of this version: slots 0 to n-1
	chunks []*indexChunk
	shared *indexArena
}

// The rows are kept in chunks of chunkRows, so that a new version copies
// a list of chunks, not a column of every row.
const (
	chunkBits = 10
	chunkRows = 1 << chunkBits
)

// indexChunk is the columns of up to chunkRows rows (slot&(chunkRows-1)),
// kept apart so that a filter run reads 8 or 16 bytes a row where it can.
// A chunk is shared by the versions that have its rows; a version writes
// only the rows past those of the versions before it.
type indexChunk struct {
	// ids is the rows' IDs apart: the exact-ID test reads 16 bytes a row
	// instead of striding through whole summaries.
	ids  []string
	text []string
	// starts is each word of text's first two runes, each led by "\x00":
	// a word of one or two letters matches a row where "\x00"+word is in it.
	starts []string
	rest   []string
	// name is the start of text a loose match looks at: the subject's name
	// and the e-mail's local part, where a name is mistyped (an ID, an
	// organisation or a number mistyped is another one).
	name []string
	// The masks say which bytes text, rest and name hold, and which start
	// a word of name (byteBit): a query word with a byte the row lacks is
	// not in it, loosely or not, which rules most rows out at the cost of
	// an AND. pairs says which pairs of bytes follow each other in text
	// (pairBit), two words a row: a word with a pair text lacks is not in
	// it, which rules out nearly every other row.
	textMask, restMask, nameMask, initials []uint64
	pairs                                  [][2]uint64
	// assignee is the folded assignee; tags and idents are "\x00"-led
	// lists (each tag; each identifier's value and TYPE=VALUE, and the
	// case ID), so that a prefix test is one search for "\x00" + prefix.
	assignee []string
	tags     []string
	idents   []string
}

// indexArena is what the versions of one index share: how many slots the
// newest has written (a version behind it cannot write its own rows into
// the same chunks, and copies the chunk it writes into) and, for Slot,
// each ID's newest slot. A version behind the newest that grows (a copy
// of an old model changed) starts an arena of its own on top of this one
// (parent, from slot forkN on), at the cost of its own rows, not of a map
// of every ID.
type indexArena struct {
	mu    sync.Mutex
	tip   int
	slots map[string]int // nil: not kept (QueryMatches)
	// prev is, for a slot of a case indexed before, that case's slot
	// before it: what an older version, which ends before the newer slot,
	// finds it in.
	prev   map[int]int
	parent *indexArena // the slots before forkN are the parent's
	forkN  int
}

// slotBefore is the newest slot before n of the case with that ID, -1 if
// none; own is the arena its caller holds locked (nil: none). A case's
// first slot in an arena chains to its slot in the parent, if any, so
// that a chain that ends in an arena ends in its parents too.
func (a *indexArena) slotBefore(id string, n int, own *indexArena) int {
	for level := a; level != nil; level = level.parent {
		if level != own {
			level.mu.Lock()
		}
		slot, ok := level.slots[id]
		for ok && slot >= n {
			slot, ok = level.prev[slot]
		}
		if level != own {
			level.mu.Unlock()
		}
		if ok {
			return slot
		}
		n = min(n, level.forkN) // parent and forkN never change
	}
	return -1
}

func newChunk(rows int) *indexChunk {
	return &indexChunk{ids: make([]string, rows), text: make([]string, rows), starts: make([]string, rows),
		rest: make([]string, rows), name: make([]string, rows), textMask: make([]uint64, rows),
		restMask: make([]uint64, rows), nameMask: make([]uint64, rows), initials: make([]uint64, rows),
		pairs: make([][2]uint64, rows), assignee: make([]string, rows), tags: make([]string, rows), idents: make([]string, rows)}
}

// grown is a whole chunk with the first rows of c.
func (c *indexChunk) grown(rows int) *indexChunk {
	g := newChunk(chunkRows)
	copy(g.ids, c.ids[:rows])
	copy(g.text, c.text[:rows])
	copy(g.starts, c.starts[:rows])
	copy(g.rest, c.rest[:rows])
	copy(g.name, c.name[:rows])
	copy(g.textMask, c.textMask[:rows])
	copy(g.restMask, c.restMask[:rows])
	copy(g.nameMask, c.nameMask[:rows])
	copy(g.initials, c.initials[:rows])
	copy(g.pairs, c.pairs[:rows])
	copy(g.assignee, c.assignee[:rows])
	copy(g.tags, c.tags[:rows])
	copy(g.idents, c.idents[:rows])
	return g
}

// ShortRights and ShortStatuses are the short forms of the queue's narrow
// columns: words a DPO reads without a key (a right as what the subject
// asks to do, a status as where the case stands). The filter finds a case
// by them as by the full words.
var (
	ShortRights = map[Right]string{RightAccess: "access", RightRectification: "rectify",
		RightErasure: "erase", RightRestriction: "restrict", RightPortability: "port",
		RightObjection: "object", RightAutomatedDecision: "auto-dec", RightWithdrawConsent: "withdraw",
		RightComplaint: "complain"}
	ShortStatuses = map[Status]string{StatusNew: "new", StatusAwaitingID: "wait ID",
		StatusAwaitingInfo: "wait info", StatusInProgress: "working", StatusClosed: "closed"}
)

// NewFilterIndex indexes rows, row i in slot i (the queue's order, for
// Match); it does not keep the slice.
func NewFilterIndex(rows []Summary) *FilterIndex { return NewFilterIndexOf([][]Summary{rows}) }

// NewFilterIndexOf indexes the rows of parts one after the other, as
// NewFilterIndex their concatenation, without joining them into one slice.
func NewFilterIndexOf(parts [][]Summary) *FilterIndex { return newFilterIndex(parts, true) }

func newFilterIndex(parts [][]Summary, slots bool) *FilterIndex {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	ix := &FilterIndex{chunks: make([]*indexChunk, 0, (n+chunkRows-1)/chunkRows), shared: &indexArena{}}
	if slots {
		ix.shared.slots = make(map[string]int, n)
	}
	for at := 0; at < n; at += chunkRows {
		ix.chunks = append(ix.chunks, newChunk(min(chunkRows, n-at)))
	}
	// No version but the one made here sees the slots: a case in two of
	// them (changed while the index was being made) needs no chain.
	for _, p := range parts {
		ix.fill(p, false)
	}
	return ix
}

// fill folds rows into the next slots of ix, whose chunks have room, ix's
// arena held; chained keeps each case's earlier slot for the versions
// that end before its new one.
func (ix *FilterIndex) fill(rows []Summary, chained bool) {
	var buf []byte
	a := ix.shared
	for k := range rows {
		slot := ix.n
		buf = ix.chunks[slot>>chunkBits].add(slot&(chunkRows-1), &rows[k], buf[:0])
		if a.slots != nil {
			if chained {
				if before := a.slotBefore(rows[k].ID, slot, a); before >= 0 {
					if a.prev == nil {
						a.prev = map[int]int{}
					}
					a.prev[slot] = before
				}
			}
			a.slots[rows[k].ID] = slot
		}
		ix.n++
	}
	a.tip = ix.n
}

// With is the next version of the index: ix's rows and then rows, in the
// slots from ix.Len() on. Only rows are folded; ix stays as it was.
func (ix *FilterIndex) With(rows []Summary) *FilterIndex {
	if len(rows) == 0 {
		return ix
	}
	a := ix.shared
	a.mu.Lock()
	next := &FilterIndex{n: ix.n, chunks: slices.Clone(ix.chunks), shared: a}
	forked := a.tip != ix.n
	if forked {
		// A newer version has written past ix (a copy of an old model
		// changed): this one goes its own way from ix's rows, in an arena
		// on top of a's slots before ix.n.
		a.mu.Unlock()
		next.shared = &indexArena{tip: ix.n, parent: a, forkN: ix.n}
		if a.slots != nil {
			next.shared.slots = make(map[string]int, len(rows))
		}
		next.shared.mu.Lock()
	}
	defer next.shared.mu.Unlock()
	for k := ix.n >> chunkBits; k<<chunkBits < ix.n+len(rows); k++ {
		used := ix.n - k<<chunkBits
		switch {
		case k == len(next.chunks):
			next.chunks = append(next.chunks, newChunk(chunkRows))
		case len(next.chunks[k].ids) < chunkRows || (forked && used > 0):
			// A chunk indexed to its last row, or one the newer version
			// also writes into.
			next.chunks[k] = next.chunks[k].grown(used)
		}
	}
	next.fill(rows, true)
	return next
}

// Len is the number of rows indexed: the slots are 0 to Len()-1.
func (ix *FilterIndex) Len() int { return ix.n }

// ID is the case ID of the row in slot.
func (ix *FilterIndex) ID(slot int) string {
	return ix.chunks[slot>>chunkBits].ids[slot&(chunkRows-1)]
}

// Slot is the newest slot that holds the case with that ID, -1 if none.
func (ix *FilterIndex) Slot(id string) int {
	a := ix.shared
	if a.slots != nil {
		return a.slotBefore(id, ix.n, nil)
	}
	// The index keeps no map (QueryMatches' row alone): its rows are looked at.
	for slot := ix.n - 1; slot >= 0; slot-- {
		if ix.ID(slot) == id {
			return slot
		}
	}
	return -1
}

// add indexes one row at j, summary s, with buf as scratch space (returned
// for the next row).
func (c *indexChunk) add(j int, s *Summary, buf []byte) []byte {
	c.ids[j] = s.ID
	// The text: the name and the e-mail's local part (what a loose match
	// looks at), then "@" and the domain, the ID, the organisation and
	// the identifiers' values.
	local, domain, at := strings.Cut(s.Email, "@")
	buf = appendFold(append(appendFold(buf, s.SubjectName), ' '), local)
	nameEnd := len(buf)
	if at {
		buf = append(buf, '@')
	} else {
		buf = append(buf, ' ')
	}
	buf = append(appendFold(buf, domain), ' ')
	buf = append(appendFold(buf, s.ID), ' ')
	buf = appendFold(buf, s.Controller)
	for _, pair := range s.Identifiers {
		_, value, _ := strings.Cut(pair, "=")
		buf = appendFold(append(buf, ' '), value)
	}
	text := string(buf)
	c.text[j], c.name[j] = text, text[:nameEnd]
	c.starts[j] = c.scan(j, text, nameEnd, buf[len(buf):])
	c.nameMask[j] = bytesMask(c.name[j])

	buf = append(append(append(buf[:0], s.Right...), ' '), s.Status...)
	// The short forms the queue's narrow columns show are found too: a
	// DPO types what the screen says.
	if short := ShortRights[s.Right]; short != "" && short != string(s.Right) {
		buf = appendFold(append(buf, ' '), short)
	}
	if short := ShortStatuses[s.Status]; short != "" && short != string(s.Status) {
		buf = appendFold(append(buf, ' '), short)
	}
	if s.AnswerNotSent() {
		buf = append(buf, " answer not sent"...)
	}
	for _, t := range s.Tags {
		buf = appendFold(append(buf, ' '), t)
	}
	c.rest[j] = string(buf)
	c.restMask[j] = bytesMask(c.rest[j])
	c.assignee[j], c.tags[j] = "", ""
	if s.Assignee != "" {
		c.assignee[j] = Fold(s.Assignee)
	}
	if len(s.Tags) > 0 {
		buf = buf[:0]
		for _, t := range s.Tags {
			buf = appendFold(append(buf, 0), t)
		}
		c.tags[j] = string(buf)
	}
	buf = appendFold(append(buf[:0], 0), s.ID)
	for _, pair := range s.Identifiers {
		_, value, _ := strings.Cut(pair, "=")
		buf = appendFold(append(appendFold(append(buf, 0), value), 0), pair)
	}
	c.idents[j] = string(buf)
	return buf
}

// scan works out the masks of row j's text, its first nameEnd bytes the
// name, and returns its word starts (appended to starts).
func (c *indexChunk) scan(j int, text string, nameEnd int, starts []byte) string {
	var mask, initials uint64
	var pairs [2]uint64
	for at := 0; at < len(text); at++ {
		b := text[at]
		mask |= byteBit(b)
		if at > 0 {
			k := pairBit(text[at-1], b)
			pairs[k/64] |= 1 << (k % 64)
		}
		if !wordStart(text, at) {
			continue
		}
		// The word's first two runes.
		end := at
		for range 2 {
			if end < len(text) {
				_, size := utf8.DecodeRuneInString(text[end:])
				end += size
			}
		}
		starts = append(append(starts, 0), text[at:end]...)
		if at < nameEnd {
			initials |= byteBit(b)
		}
	}
	c.textMask[j], c.initials[j], c.pairs[j] = mask, initials, pairs
	return string(starts)
}

// byteBit is a byte's bit in a mask: a letter's or a digit's own, the
// other bytes sharing the rest (a shared bit only lets more rows through
// to the real test).
func byteBit(c byte) uint64 {
	switch {
	case c >= 'a' && c <= 'z':
		return 1 << (c - 'a')
	case c >= '0' && c <= '9':
		return 1 << (26 + c - '0')
	}
	return 1 << (36 + c%28)
}

// pairBit is the bit (of 128) of two bytes that follow each other.
func pairBit(a, b byte) uint {
	return (uint(a)*31 + uint(b)) % 128
}

// pairsMask is the pairs of bytes of s, as pairBit numbers them.
func pairsMask(s string) (m [2]uint64) {
	for at := 1; at < len(s); at++ {
		k := pairBit(s[at-1], s[at])
		m[k/64] |= 1 << (k % 64)
	}
	return m
}

// bytesMask is the bytes of s, as byteBit numbers them.
func bytesMask(s string) uint64 {
	var m uint64
	for i := 0; i < len(s); i++ {
		m |= byteBit(s[i])
	}
	return m
}

// PlainLetter is the unaccented letter of an accented Latin or Greek one
// (é -> e, ά -> α), and whether r has one: the folding Fold does, one
// letter at a time, for callers that keep the case.
func PlainLetter(r rune) (rune, bool) {
	plain, ok := folding().latin[r]
	return plain, ok
}

// Fold lowers s and removes the accents of Latin and Greek letters, and
// spells out ß, æ, œ and þ, so that what is typed on any keyboard finds
// the name as written.
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s) && ascii; i++ {
		ascii = s[i] < utf8.RuneSelf
	}
	if ascii { // most of what is indexed: IDs, e-mails, slugs
		return strings.ToLower(s)
	}
	return string(appendFold(make([]byte, 0, len(s)), s))
}

// appendFold appends Fold(s) to b.
func appendFold(b []byte, s string) []byte {
	var f *folds // the tables, fetched at the first letter that needs them
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		r = unicode.ToLower(r)
		if f == nil {
			f = folding()
		}
		switch plain := f.plain(r); {
		case plain > 0:
			b = utf8.AppendRune(b, plain)
		case r == 'ß' || r == 'æ' || r == 'œ' || r == 'þ':
			b = append(b, f.spelled[r]...)
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return b
}

// plain is the unaccented letter of r, 0 for a letter without an accent
// to remove: for the Latin and Greek blocks an array lookup rather than a
// map's.
func (f *folds) plain(r rune) rune {
	if r < 0 || int(r) >= len(f.table) {
		if plain, ok := f.latin[r]; ok {
			return plain
		}
		return 0
	}
	return f.table[r]
}

// The quality of a word's match, best last. A row is as good as its
// weakest word: a word of the name, e-mail, ID, organisation or an
// identifier (the whole word or its start: while a name is being typed,
// its last word is always a start, and "Kowal" is no better a match for
// "kowal" than "Kowalska" is); then the inside of a word; then the right,
// status or tags; then a loose match, worse by each letter left out.
const (
	qualityNone = iota
	qualityLoose3
	qualityLoose2
	qualityLoose1
	qualityLabel
	qualityInside
	qualityWord
	qualityTiers
)

// QuerySyntax is the filter's terms in one line, for the app's help and
// list --query's.
const QuerySyntax = "@NAME assignee · #TAG tag · id:VALUE identifier"

// query is a filter query read into its parts: the words that rank and
// the prefixes that filter, each must hold (folded, the list prefixes led
// by "\x00").
type query struct {
	words                  []word
	assignee, tags, idents []string
}

// word is a folded word of a query with what its tests need, worked out
// once for every row.
type word struct {
	text, start string // start is "\x00" + text
	mask        uint64
	pairs       [2]uint64
	short       bool // one or two letters: only a word's start
	loose       int  // letters a loose match may leave out; 0: none
}

func newWord(w string) word {
	n := utf8.RuneCountInString(w)
	wd := word{text: w, start: "\x00" + w, mask: bytesMask(w), pairs: pairsMask(w), short: n <= 2}
	letters := true
	for i := 0; i < len(w); i++ {
		letters = letters && charClass(w[i]) == 1
	}
	// A loose match needs four letters or more (fewer would match nearly
	// anything), and a number mistyped is another number.
	if n >= 4 && letters {
		wd.loose = min(n/3, 3)
	}
	return wd
}

// parseQuery splits a query into words and filter terms: @NAME (the
// assignee), #TAG (a tag), id:VALUE (an identifier or the case ID). A
// prefix with nothing after it yet (as typed) filters nothing.
func parseQuery(s string) query {
	var q query
	for _, f := range strings.Fields(Fold(s)) {
		switch {
		case f[0] == '@':
			q.assignee = appendNonEmpty(q.assignee, "", f[1:])
		case f[0] == '#':
			q.tags = appendNonEmpty(q.tags, "\x00", f[1:])
		case strings.HasPrefix(f, "id:"):
			q.idents = appendNonEmpty(q.idents, "\x00", f[3:])
		default:
			q.words = append(q.words, newWord(f))
		}
	}
	return q
}

func appendNonEmpty(list []string, lead, s string) []string {
	if s == "" {
		return list
	}
	return append(list, lead+s)
}

func (q *query) empty() bool {
	return len(q.words)+len(q.assignee)+len(q.tags)+len(q.idents) == 0
}

// allows reports whether row j passes every filter term.
func (q *query) allows(c *indexChunk, j int) bool {
	for _, p := range q.assignee {
		if !strings.HasPrefix(c.assignee[j], p) {
			return false
		}
	}
	for _, p := range q.tags {
		if !strings.Contains(c.tags[j], p) {
			return false
		}
	}
	for _, p := range q.idents {
		if !strings.Contains(c.idents[j], p) {
			return false
		}
	}
	return true
}

// rank is how well row j matches q: qualityNone when it does not.
func (q *query) rank(c *indexChunk, j int) int {
	if !q.allows(c, j) {
		return qualityNone
	}
	quality := qualityWord
	for k := range q.words {
		quality = min(quality, c.wordQuality(j, &q.words[k]))
		if quality == qualityNone {
			break
		}
	}
	return quality
}

// Match ranks the rows that keep[i] allows (nil: all) against query: each
// filter term (@NAME, #TAG, id:VALUE) must hold, and every word must match.
// Rows rank by how well their weakest word matches (see the qualities),
// then in the rows' own order (urgency, or the sort the user chose). exact
// is the row whose ID is the query, or -1.
//
// Words of one or two letters match only the start of a word: inside words
// and in labels they would match nearly every row. A loose match (letters
// left out, as in "kowlski") needs a word of four letters or more, within
// one word of the row, starting at its first letter, and leaves out at most
// a letter for every three typed.
func (ix *FilterIndex) Match(query string, keep func(i int) bool) (ranked []int, exact int) {
	return ix.MatchIn(nil, query, keep, nil)
}

// MatchIn is Match over the slots of order (nil: every slot in turn),
// taken in that order: the queue's rows in urgency order, given in
// pieces so that the queue need not keep them in one slice. Over many
// rows the pieces are shared out between the processors, keep (which
// must then be safe to call from several goroutines) included. stop, if
// not nil, is asked between pieces: once it says true the run stops
// early, its result not to be used (a newer keystroke overtook it).
func (ix *FilterIndex) MatchIn(order [][]int, query string, keep func(slot int) bool, stop func() bool) (ranked []int, exact int) {
	var pieces []piece
	if order == nil {
		for at := 0; at < ix.n; at += chunkRows {
			pieces = append(pieces, piece{everyRow()[:min(chunkRows, ix.n-at)], at})
		}
	} else {
		pieces = make([]piece, len(order))
		for p := range order {
			pieces[p].slots = order[p]
		}
	}
	rows := 0
	for _, p := range pieces {
		rows += len(p.slots)
	}
	// One share of the rows for each processor, when there are enough of
	// them for a share to be worth a goroutine.
	shares := max(1, min(runtime.GOMAXPROCS(0), rows/parallelRows, len(pieces)))
	found := make([]matched, shares)
	m := matcher{ix: ix, q: parseQuery(query), id: strings.ToUpper(strings.TrimSpace(query)), keep: keep, stop: stop}
	var wg sync.WaitGroup
	for w := range shares {
		part := pieces[w*len(pieces)/shares : (w+1)*len(pieces)/shares]
		if w == shares-1 {
			found[w] = m.run(part)
			continue
		}
		wg.Go(func() { found[w] = m.run(part) })
	}
	wg.Wait()
	exact = -1
	for k := qualityWord; k > qualityNone; k-- {
		for w := range found {
			ranked = append(ranked, found[w].buckets[k]...)
		}
	}
	for w := range found {
		if found[w].exact >= 0 {
			exact = found[w].exact
		}
	}
	return ranked, exact
}

// parallelRows is the fewest rows for each goroutine of a filter run.
var parallelRows = 50_000

// piece is slots to match, each plus base (the slots of a chunk without
// an order: everyRow from the chunk's first slot).
type piece struct {
	slots []int
	base  int
}

// everyRow is the rows of a chunk in turn, made on the first filter, not
// at every start of the program.
var everyRow = sync.OnceValue(func() []int {
	rows := make([]int, chunkRows)
	for i := range rows {
		rows[i] = i
	}
	return rows
})

// matcher is one run of the filter, shared by its goroutines.
type matcher struct {
	ix   *FilterIndex
	q    query
	id   string
	keep func(slot int) bool
	stop func() bool
}

// matched is what a share of a run found: its rows by quality, each
// bucket in row order (so that no sort is needed however many match), and
// the row whose ID the query is, or -1.
type matched struct {
	buckets [qualityTiers][]int
	exact   int
}

func (m *matcher) run(pieces []piece) (out matched) {
	out.exact = -1
	empty := m.q.empty()
	for _, p := range pieces {
		if m.stop != nil && m.stop() {
			return out
		}
		for _, i := range p.slots {
			i += p.base
			if m.keep != nil && !m.keep(i) {
				continue
			}
			if empty {
				out.buckets[qualityWord] = append(out.buckets[qualityWord], i)
				continue
			}
			c, j := m.ix.chunks[i>>chunkBits], i&(chunkRows-1)
			if c.ids[j] == m.id {
				out.exact = i
			}
			if quality := m.q.rank(c, j); quality != qualityNone {
				out.buckets[quality] = append(out.buckets[quality], i)
			}
		}
	}
	return out
}

// Query is a filter query read once, for ranking single rows as Match
// ranks them (Rank): a row changed is put in its place in a result without
// running the filter again.
type Query struct {
	q  query
	id string
}

// ParseQuery reads a filter query (Match's).
func ParseQuery(query string) *Query {
	return &Query{q: parseQuery(query), id: strings.ToUpper(strings.TrimSpace(query))}
}

// Rank is how well the row in slot matches q, as Match ranks it: 0 when
// it does not match, a greater rank for a better match. Every row ranks
// the same for a query with nothing to match.
func (ix *FilterIndex) Rank(q *Query, slot int) int {
	if q.q.empty() {
		return qualityWord
	}
	return q.q.rank(ix.chunks[slot>>chunkBits], slot&(chunkRows-1))
}

// Exact reports whether the row in slot is the case the query names by
// its ID, as Match's exact.
func (ix *FilterIndex) Exact(q *Query, slot int) bool {
	return !q.q.empty() && ix.ID(slot) == q.id
}

// wordQuality is how well one query word matches row j.
func (c *indexChunk) wordQuality(j int, w *word) int {
	inText := w.mask&^c.textMask[j] == 0
	switch p := &c.pairs[j]; {
	case w.short:
		if inText && strings.Contains(c.starts[j], w.start) {
			return qualityWord
		}
		return qualityNone
	case inText && w.pairs[0]&^p[0] == 0 && w.pairs[1]&^p[1] == 0:
		if q := textQuality(c.text[j], w.text); q != qualityNone {
			return q
		}
	}
	if w.mask&^c.restMask[j] == 0 && strings.Contains(c.rest[j], w.text) {
		return qualityLabel
	}
	if w.loose > 0 && w.mask&^c.nameMask[j] == 0 && byteBit(w.text[0])&c.initials[j] != 0 {
		if skipped, ok := looseMatch(c.name[j], w.text, w.loose); ok {
			return qualityLoose1 + 1 - max(skipped, 1)
		}
	}
	return qualityNone
}

// textQuality is the best place w occurs in text: a word's start, or
// inside a word.
func textQuality(text, w string) int {
	at := strings.Index(text, w)
	if at < 0 {
		return qualityNone
	}
	for {
		if wordStart(text, at) {
			return qualityWord
		}
		k := strings.Index(text[at+1:], w)
		if k < 0 {
			return qualityInside
		}
		at += 1 + k
	}
}

// charClass sorts the bytes of folded text into letters (any non-ASCII
// byte counts as one: accented and Greek letters), digits and the rest, so
// that a word starts where letters meet digits ("83" is a word of
// "zofia.wojcik83@example.com") as it starts after a space or a dot.
func charClass(c byte) int {
	switch {
	case c >= 'a' && c <= 'z' || c >= 0x80:
		return 1
	case c >= '0' && c <= '9':
		return 2
	}
	return 0
}

// wordStart reports whether text[at] starts a word: a letter or a digit
// after anything else.
func wordStart(text string, at int) bool {
	c := charClass(text[at])
	return c != 0 && (at == 0 || charClass(text[at-1]) != c)
}

// looseMatch reports whether the letters of w appear in order within one
// word of text, starting at the word's first letter (w's first letter),
// with at most limit letters of the word left out, and how many were left
// out at the best such word.
func looseMatch(text, w string, limit int) (skipped int, ok bool) {
	first, size := utf8.DecodeRuneInString(w)
	best := limit + 1
	for off := 0; off < len(text); {
		k := strings.IndexRune(text[off:], first)
		if k < 0 {
			break
		}
		at := off + k
		if wordStart(text, at) {
			if s, ok := skipsWithinWord(text[at+size:], w[size:], limit); ok && s < best {
				best = s
			}
		}
		off = at + size
	}
	return best, best <= limit
}

// skipsWithinWord matches the runes of w in order against the letters that
// follow in text, greedily (the earliest match leaves out the fewest), and
// says how many letters it left out; it fails at the word's end or past
// limit letters left out.
func skipsWithinWord(text, w string, limit int) (int, bool) {
	skipped, at := 0, 0
	for _, r := range w {
		for {
			if at >= len(text) || charClass(text[at]) != 1 {
				return 0, false
			}
			c, size := utf8.DecodeRuneInString(text[at:])
			at += size
			if c == r {
				break
			}
			if skipped++; skipped > limit {
				return 0, false
			}
		}
	}
	return skipped, true
}

// folds are the tables Fold uses, made on first use (the first fold of
// a non-ASCII letter), not at every start of the program: latin maps
// accented Latin letters to ASCII and accented Greek letters (and the
// final sigma) to their plain forms; table is latin for the Latin and
// Greek blocks, indexed by the letter (0: none); spelled maps letters that
// stand for two to the two.
type folds struct {
	latin   map[rune]rune
	table   [0x400]rune
	spelled map[rune]string
}

var folding = sync.OnceValue(func() *folds {
	f := &folds{latin: map[rune]rune{}, spelled: map[rune]string{'ß': "ss", 'æ': "ae", 'œ': "oe", 'þ': "th"}}
	for plain, accented := range map[rune]string{
		'a': "àáâãäåāăąÀÁÂÃÄÅ", 'c': "çćčÇĆČ", 'e': "èéêëēėęěÈÉÊËĘ", 'i': "ìíîïīÌÍÎÏ", 'l': "łŁ", 'n': "ñńňÑŃ",
		'o': "òóôõöøōőÒÓÔÕÖØ", 's': "śšşșŚŠ", 'u': "ùúûüūůűųÙÚÛÜ", 'y': "ýÿÝ", 'z': "źżžŹŻŽ", 'g': "ğģ", 'r': "řŕ",
		'd': "ďđð", 't': "ťţț", 'k': "ķ", 'α': "ά", 'ε': "έ", 'η': "ή", 'ι': "ίϊΐ", 'ο': "ό", 'υ': "ύϋΰ",
		'ω': "ώ", 'σ': "ς",
	} {
		for _, r := range accented {
			f.latin[r] = plain
		}
	}
	m := f.latin
	m['ễ'], m['ı'], m['ľ'], m['ĺ'], m['ļ'], m['ņ'], m['į'] = 'e', 'i', 'l', 'l', 'l', 'n', 'i'
	for accented, plain := range m {
		if int(accented) < len(f.table) {
			f.table[accented] = plain
		}
	}
	return f
})

// QueryMatches reports whether one summary matches a query as the queue
// filter would let it through (list --query).
func QueryMatches(s *Summary, query string) bool {
	ix := newFilterIndex([][]Summary{{*s}}, false)
	return ix.Rank(ParseQuery(query), 0) != qualityNone
}

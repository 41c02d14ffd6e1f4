package export

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"sync"
	"time"
	"unicode/utf8"

	"rightsdesk/cases"
)

// RecordFormat is the version of the case record's layout.
const RecordFormat = 1

// LateRecordAfter is how long after an event happened its recording is
// marked as late in the case record: an authority reading the record sees
// which entries were written down after the fact.
const LateRecordAfter = 24 * time.Hour

// ChainLink is one event's place in the case's hash chain (the store's
// storage.Link, declared here so that export knows only cases/).
type ChainLink struct {
	Seq    uint64 `json:"seq"`
	Prev   string `json:"prev"`
	Digest string `json:"digest"`
	Hash   string `json:"hash"`
	Purged bool   `json:"purged,omitempty"`
}

// RecordInput is what a case record is made from.
type RecordInput struct {
	Case     *cases.Case
	Revision int
	Chain    []ChainLink // one per event, in order
	// Generator names the program that wrote the record ("rightsdesk 0.x").
	Generator string
	// Proof is the signed checkpoint of the case's log and the inclusion
	// proofs of its events (JSON; nil: none).
	Proof json.RawMessage
}

// RecordEvent is one timeline entry in the case record.
type RecordEvent struct {
	Seq        uint64    `json:"seq"`
	Kind       string    `json:"kind"`
	At         time.Time `json:"at"`
	RecordedAt time.Time `json:"recorded_at"`
	LateRecord string    `json:"late_record,omitempty"` // "recorded 3 days after it happened"
	Actor      string    `json:"actor"`
	// Overridden names what the environment overrode when the event was
	// recorded (cases.OverriddenActor, cases.OverriddenClock): the actor or
	// the recording time is the environment's word, not the system's.
	Overridden []string `json:"overridden,omitempty"`
	// ReportedOrigin is the SSH origin the client reported, never vouched for.
	ReportedOrigin string       `json:"reported_origin,omitempty"`
	Details        []string     `json:"details"`
	Event          *cases.Event `json:"event"` // the stored content; nil when purged
	Digest         string       `json:"digest"`
	Hash           string       `json:"hash"`
}

// OverrideWords say what the environment overrode when the event was
// recorded ("actor and clock overridden"), "" when nothing was.
func (e RecordEvent) OverrideWords() string { return cases.OverrideWords(e.Overridden) }

// RecordLetter is a letter sent to the requester, with the checksum of the
// packet it was.
type RecordLetter struct {
	Letter   string    `json:"letter"`
	SentAt   time.Time `json:"sent_at"`
	Channel  string    `json:"channel,omitempty"`
	To       string    `json:"to,omitempty"`
	Checksum string    `json:"checksum,omitempty"`
	Actor    string    `json:"actor"`
	// Outside: written and sent another way, with why; DraftSent: a DRAFT
	// went out, with why.
	Outside   bool   `json:"outside,omitempty"`
	DraftSent bool   `json:"draft_sent,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// RecordWork is one item of the case's work list with its last result
// (every result stays in the timeline).
type RecordWork struct {
	Item    string     `json:"item"`
	Name    string     `json:"name"`
	Result  string     `json:"result"` // "open" while it has none; "not-worked"
	At      *time.Time `json:"at,omitempty"`
	Details []string   `json:"details"`
}

// RecordApproval is a letter's packet approved or sent back (WORK.md,
// "Approval"): who, when, which packet, the controller's sign-off with its
// evidence, and whether the approval counts.
type RecordApproval struct {
	Decision       string    `json:"decision"` // approved or rejected
	Letter         string    `json:"letter"`
	At             time.Time `json:"at"`
	Actor          string    `json:"actor"`
	Checksum       string    `json:"checksum"` // the packet's SHA-256
	SignedOffBy    string    `json:"signed_off_by,omitempty"`
	Evidence       string    `json:"evidence,omitempty"`
	EvidenceSHA256 string    `json:"evidence_sha256,omitempty"`
	Reason         string    `json:"reason,omitempty"` // a rejection's
	// Counts is false for an approval recorded under an overridden actor
	// (the domain refuses the others that would not count: by the
	// exporter or a decider); NotCounted says why.
	Counts     bool   `json:"counts"`
	NotCounted string `json:"not_counted,omitempty"`
}

// newRecordApproval is an approved or rejected event in the record.
func newRecordApproval(e cases.Event) RecordApproval {
	a := RecordApproval{Decision: string(e.Kind), Letter: string(e.Letter), At: e.At.UTC(), Actor: e.Actor,
		Checksum: e.Checksum, Reason: e.Reason}
	if e.External != nil {
		a.SignedOffBy = e.External.String()
	}
	if e.Attachment != nil {
		a.Evidence, a.EvidenceSHA256 = e.Attachment.Name, e.Attachment.SHA256
	}
	if e.Kind == cases.EventApproved {
		a.NotCounted = cases.OverriddenProblem(&e)
		a.Counts = a.NotCounted == ""
	}
	return a
}

// RecordNote is an internal note.
type RecordNote struct {
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	Text  string    `json:"text"`
}

// CaseRecord is the full account of one case for the organisation's files
// or a supervisory authority (Art. 5(2)): never sent to the subject.
type CaseRecord struct {
	Format    int            `json:"format"`
	Generator string         `json:"generator"`
	AsOf      time.Time      `json:"as_of"` // the last recorded event: the record depends on nothing else
	Case      *cases.View    `json:"case"`
	Events    []RecordEvent  `json:"events"`
	Letters   []RecordLetter `json:"letters"`
	Notes     []RecordNote   `json:"notes"`
	Work      []RecordWork   `json:"work"`
	// RefusalLate: the first letter telling a refusal went after the
	// refusal deadline (Art. 12(4)).
	RefusalLate bool `json:"refusal_late"`
	// Approvals are the approvals and rejections of letters; absent when
	// there were none.
	Approvals []RecordApproval `json:"approvals,omitempty"`
	Steps     []string         `json:"deadline_working"`
	ChainHead string           `json:"chain_head"`
	// Proof: what `rightsdesk verify` checks offline.
	Proof     json.RawMessage  `json:"proof,omitempty"`
	Register  string           `json:"register"` // where the frozen rules came from
	Deadlines *cases.Deadlines `json:"-"`
}

// NewRecord builds the case record. It is a function of the stored case
// alone: the deadlines are worked out as of the last recorded event, so the
// same case state always gives the same record.
func NewRecord(in RecordInput) (*CaseRecord, error) {
	c := in.Case
	if len(in.Chain) != len(c.Events) {
		return nil, fmt.Errorf("case %s: %d events but %d chain links", c.ID, len(c.Events), len(in.Chain))
	}
	var asOf time.Time
	for _, e := range c.Events {
		if e.RecordedAt.After(asOf) {
			asOf = e.RecordedAt
		}
	}
	st, err := c.Derive(asOf)
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", c.ID, err)
	}
	view := cases.NewView(c, st, in.Revision, false)
	r := &CaseRecord{Format: RecordFormat, Generator: in.Generator, AsOf: asOf.UTC(), Case: view,
		Events: []RecordEvent{}, Letters: []RecordLetter{}, Notes: []RecordNote{}, Steps: st.Deadlines.Steps,
		Register: st.Rules.Source, Deadlines: st.Deadlines, Work: recordWork(st), RefusalLate: st.RefusalLate(), Proof: in.Proof}
	if r.Steps == nil {
		r.Steps = []string{}
	}
	for i, e := range c.Events {
		link := in.Chain[i]
		re := RecordEvent{Seq: link.Seq, Kind: string(e.Kind), At: e.At.UTC(), RecordedAt: e.RecordedAt.UTC(),
			Actor: e.Actor, Overridden: e.Overridden, ReportedOrigin: e.ReportedOrigin, Details: recordDetails(e),
			Digest: link.Digest, Hash: link.Hash}
		if !link.Purged {
			ev := e
			re.Event = &ev
		}
		// The receipt is a fact entered as found (WORK.md), never late.
		if late := e.RecordedAt.Sub(e.At); late > LateRecordAfter && e.Kind != cases.EventReceived {
			re.LateRecord = fmt.Sprintf("recorded %s after it happened", recordSpan(late))
		}
		r.Events = append(r.Events, re)
		switch e.Kind {
		case cases.EventSent:
			r.Letters = append(r.Letters, RecordLetter{Letter: string(e.Letter), SentAt: e.At.UTC(), Channel: string(e.Channel),
				To: e.To, Checksum: e.Checksum, Actor: e.Actor, Outside: e.Outside, DraftSent: e.DraftSent, Reason: e.Reason})
		case cases.EventNoted:
			r.Notes = append(r.Notes, RecordNote{At: e.At.UTC(), Actor: e.Actor, Text: e.Text})
		case cases.EventApproved, cases.EventRejected:
			r.Approvals = append(r.Approvals, newRecordApproval(e))
		}
		r.ChainHead = link.Hash
	}
	return r, nil
}

// htmlPrintable shows the control characters of a rendered page as text:
// C0 as ^X (line breaks and tabs kept), DEL as ^?, C1 and the bidi
// overrides as &lt;U+XXXX&gt;, as cases.Printable shows them on a terminal
// but escaped for HTML. The template writes none itself: every one came from
// outside text.
func htmlPrintable(page []byte) []byte {
	var b bytes.Buffer
	for s := string(page); s != ""; {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch {
		case r == '\n' || r == '\t' || r == '\r':
			b.WriteRune(r)
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r < 0x20:
			b.WriteByte('^')
			b.WriteByte(byte(r) + 0x40)
		case r == 0x7f:
			b.WriteString("^?")
		case cases.Printable(string(r)) != string(r):
			fmt.Fprintf(&b, "&lt;U+%04X&gt;", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.Bytes()
}

// recordWork is the work list as the record states it.
func recordWork(st *cases.State) []RecordWork {
	out := make([]RecordWork, 0, len(st.Work))
	for i := range st.Work {
		w := &st.Work[i]
		rw := RecordWork{Item: w.ID, Name: w.Name, Result: string(w.ResultName()), Details: []string{}}
		if rw.Result == "" {
			rw.Result = "open"
		}
		if e := w.Result; e != nil {
			at := e.At.UTC()
			rw.At = &at
			for _, d := range e.Details() {
				if d.Label != "item" && d.Label != "result" {
					rw.Details = append(rw.Details, d.String())
				}
			}
			if end, working, ok := w.KeptEnd(); ok {
				line := "ends " + end.String()
				if working != "" {
					line += " (" + working + ")"
				}
				rw.Details = append(rw.Details, line)
			}
		}
		out = append(out, rw)
	}
	return out
}

func recordSpan(d time.Duration) string {
	if days := int(d.Hours() / 24); days >= 1 {
		return cases.Plural(days, "day")
	}
	return cases.Plural(int(d.Hours()), "hour")
}

// recordDetails are an event's facts in words, for the readable record.
func recordDetails(e cases.Event) []string {
	out := []string{}
	for _, d := range e.Details() {
		out = append(out, d.String())
	}
	return out
}

//go:embed record.html.tmpl
var recordHTML string

var recordTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("record").Funcs(template.FuncMap{
		"day":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
		"date": func(d *cases.Date) string { return recordDate(d) },
	}).Parse(recordHTML))
})

func recordDate(d *cases.Date) string {
	if d == nil {
		return "—"
	}
	return d.String()
}

// recordFile is one file of a case record's folder.
type recordFile struct {
	name string
	data []byte
}

// RecordSealFile holds a case record's seal: it signs SHA256SUMS, which
// lists record.html and record.json.
const RecordSealFile = "SHA256SUMS.sig"

// RecordSubject is what a case record's seal names.
const RecordSubject = "record"

// recordFiles are record.html, record.json and SHA256SUMS.
func recordFiles(r *CaseRecord) ([]recordFile, error) {
	js, err := cases.JSONIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	// Subject text is evidence, stored as typed; the files written from it
	// must not drive a terminal that shows them (cat record.html): JSON
	// escapes C1 too, and the page shows every control character as text.
	js = append(js, '\n')
	var page bytes.Buffer
	if err := recordTemplate().Execute(&page, r); err != nil {
		return nil, fmt.Errorf("case record of %s: %w", r.Case.ID, err)
	}
	files := []recordFile{{"record.html", htmlPrintable(page.Bytes())}, {"record.json", js}}
	var sums bytes.Buffer
	for _, f := range files {
		sum := sha256.Sum256(f.data)
		fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(sum[:]), f.name)
	}
	return append(files, recordFile{"SHA256SUMS", sums.Bytes()}), nil
}

// RecordDigest is the SHA-256 of the record's SHA256SUMS, which its seal
// signs.
func RecordDigest(r *CaseRecord) (string, error) {
	files, err := recordFiles(r)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(files[len(files)-1].data)
	return hex.EncodeToString(sum[:]), nil
}

// WriteRecord writes the case record into dir/<ID>-record/ as record.json,
// record.html, SHA256SUMS and, with seal, SHA256SUMS.sig, each 0600 in a
// 0700 folder, and returns the folder. The same case state gives the same
// bytes.
func WriteRecord(r *CaseRecord, dir string, seal Sealer) (string, error) {
	files, err := recordFiles(r)
	if err != nil {
		return "", err
	}
	if seal != nil {
		sum := sha256.Sum256(files[len(files)-1].data)
		sig, err := seal(RecordSubject, hex.EncodeToString(sum[:]))
		if err != nil {
			return "", fmt.Errorf("case record of %s: the seal: %w", r.Case.ID, err)
		}
		files = append(files, recordFile{RecordSealFile, []byte(sig)})
	}
	// The case ID is ours (DSR-YYYY-NNNNNN), never subject-supplied text.
	out := filepath.Join(dir, cases.SafeName(r.Case.ID)+"-record")
	if err := os.MkdirAll(out, 0o700); err != nil {
		return "", err
	}
	if err := os.Chmod(out, 0o700); err != nil {
		return "", err
	}
	for _, f := range files {
		p := filepath.Join(out, f.name)
		tmp := p + ".partial"
		if err := os.WriteFile(tmp, f.data, 0o600); err != nil {
			return "", err
		}
		if err := os.Chmod(tmp, 0o600); err != nil {
			return "", err
		}
		if err := os.Rename(tmp, p); err != nil {
			return "", err
		}
	}
	return out, nil
}

package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
	"rightsdesk/storage"
)

// routes registers every endpoint with the least role it needs (TRUST.md:
// viewer reads; handler also records actions, exports, adds and imports;
// approver also approves and rejects; admin also edits the team table and
// the registers, purges and backs up). doc.go lists them.
func (s *Server) routes() {
	s.caseReads()
	s.queueReads()
	s.reportRoute() // report.go
	s.caseWrites()
	s.registerAndTeamRoutes()
	s.databaseRoutes()
}

// caseReads registers the reads of cases: any member, within their organisations.
func (s *Server) caseReads() {
	viewer := storage.RoleViewer
	s.handle("GET /v1/whoami", viewer, func(c *call) error { return writeJSON(c.w, c.member) })
	s.handle("GET /v1/limits", viewer, func(c *call) error {
		return writeJSON(c.w, limitsBody{MaxFileSize: c.svc.MaxFileSize()})
	})

	s.handle("GET /v1/cases/{id}", viewer, func(c *call) error {
		l, err := c.svc.Get(c.r.PathValue("id"))
		if err != nil {
			return err
		}
		return writeJSON(c.w, l)
	})
	s.handle("POST /v1/each", viewer, func(c *call) error {
		var body idsBody
		if err := readJSON(c.r, &body); err != nil {
			return err
		}
		st := newStream(c.w)
		err := c.svc.Each(body.IDs, func(l *storage.Loaded) error { return st.send(streamLine{Loaded: l}) })
		return st.end(err)
	})
	s.handle("GET /v1/cases/{id}/chain", viewer, func(c *call) error {
		links, err := c.svc.Chain(c.r.PathValue("id"))
		if err != nil {
			return err
		}
		return writeJSON(c.w, links)
	})
	s.handle("GET /v1/cases/{id}/proof", viewer, func(c *call) error {
		upTo, err := uintParam(c.r, "upto")
		if err != nil {
			return err
		}
		p, err := c.svc.Proof(c.r.PathValue("id"), upTo)
		if err != nil {
			return err
		}
		return writeJSON(c.w, p)
	})
	s.handle("GET /v1/cases/{id}/seal", viewer, func(c *call) error {
		if s.cfg.Digest == nil {
			return &BadRequest{Reason: "this server seals no files"}
		}
		q := c.r.URL.Query()
		id := c.r.PathValue("id")
		if q.Get("what") != "record" && !c.member.Role.AtLeast(storage.RoleHandler) {
			return &Forbidden{Reason: fmt.Sprintf("%s is a %s: exporting a packet needs the %s role",
				cases.Printable(c.member.Name), c.member.Role, storage.RoleHandler)}
		}
		subject, digest, err := s.cfg.Digest(c.svc, id, SealRequest{What: q.Get("what"), Letter: q.Get("letter"), Date: q.Get("date")})
		if err != nil {
			return err
		}
		seal, err := s.store.SignFileSeal(id, subject, digest)
		if err != nil {
			return err
		}
		return writeJSON(c.w, sealBody{Seal: seal})
	})
	s.handle("GET /v1/cases/{id}/files/{name}", viewer, func(c *call) error {
		b, err := c.svc.File(c.r.PathValue("id"), c.r.PathValue("name"))
		if err != nil {
			return err
		}
		c.w.Header().Set("Content-Type", "application/octet-stream")
		c.w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		_, err = c.w.Write(b)
		return ignoreWritten(err)
	})
}

// queueReads registers the queue, its rows, changes and lists: any member,
// within their organisations.
func (s *Server) queueReads() {
	viewer := storage.RoleViewer
	s.handle("GET /v1/queue", viewer, func(c *call) error {
		sums, counter, err := c.svc.Queue(c.now)
		if err != nil {
			return err
		}
		return writeSummaries(c, sums, counter)
	})
	s.pagedReads(viewer)
	s.handle("POST /v1/rows", viewer, func(c *call) error {
		var body idsBody
		if err := readJSON(c.r, &body); err != nil {
			return err
		}
		sums, counter, err := c.svc.Rows(body.IDs)
		if err != nil {
			return err
		}
		if len(sums) == 0 {
			sums = nil // the same answer whether the IDs are unknown or another organisation's
		}
		return writeSummaries(c, sums, counter)
	})
	s.handle("GET /v1/changes", viewer, func(c *call) error {
		since, err := counterParam(c.r)
		if err != nil {
			return err
		}
		if c.r.Header.Get("Accept") == "text/event-stream" {
			return s.stream(c, since)
		}
		counter, ids, err := c.svc.Changes(since)
		if err != nil {
			return err
		}
		if ids == nil {
			ids = []string{}
		}
		return writeJSON(c.w, changesBody{Counter: counter, IDs: ids})
	})
	s.handle("POST /v1/list", viewer, func(c *call) error {
		var f storage.Filter
		if err := readJSON(c.r, &f); err != nil {
			return err
		}
		st := newStream(c.w)
		err := c.svc.List(f, c.now, func(sum *cases.Summary, _ func() []byte) error {
			return st.send(streamLine{Summary: sum})
		})
		return st.end(err)
	})
	s.handle("POST /v1/listviews", viewer, func(c *call) error {
		var f storage.Filter
		if err := readJSON(c.r, &f); err != nil {
			return err
		}
		st := newStream(c.w)
		err := c.svc.ListViews(f, c.now, func(view []byte) error { return st.send(streamLine{View: view}) })
		return st.end(err)
	})
}

// caseWrites registers the changes to cases: handlers, approvals for approvers.
func (s *Server) caseWrites() {
	viewer, handler := storage.RoleViewer, storage.RoleHandler
	s.handle("POST /v1/cases/{id}/actions", handler, func(c *call) error {
		var body actionsBody
		if err := readJSON(c.r, &body); err != nil {
			return err
		}
		if err := mayRecord(c.member, body.Actions...); err != nil {
			return err
		}
		id := c.r.PathValue("id")
		if err := s.checkExports(c, id, body.Actions); err != nil {
			return err
		}
		res, err := c.svc.Do(id, body.Actions, c.now)
		if err != nil {
			return err
		}
		return writeJSON(c.w, toWireResults(res))
	})
	s.handle("POST /v1/bulk", handler, func(c *call) error {
		var body bulkRequest
		if err := readJSON(c.r, &body); err != nil {
			return err
		}
		if err := mayRecord(c.member, body.Action); err != nil {
			return err
		}
		if body.Action.Event.Kind == cases.EventExported {
			return &BadRequest{Reason: "an export is recorded one case at a time"}
		}
		b, err := c.svc.DoEach(body.IDs, body.Action, body.Revisions, c.now)
		if err != nil {
			return err
		}
		out := bulkBody{Applied: map[string]*wireResult{}, Refused: map[string]wireError{}}
		for id, r := range b.Applied {
			out.Applied[id] = toWireResult(r)
		}
		for id, e := range b.Refused {
			out.Refused[id], _ = encodeError(e)
		}
		return writeJSON(c.w, out)
	})
	s.handle("POST /v1/cases", handler, func(c *call) error {
		var body addBody
		if err := readJSON(c.r, &body); err != nil {
			return err
		}
		rules, err := storedRules(c.svc, body.Intake.Controller, body.Rules)
		if err != nil {
			return err
		}
		created, err := c.svc.Add(body.Intake, rules, c.now, c.member.Name)
		if err != nil {
			return err
		}
		return writeJSON(c.w, created)
	})
	s.handle("POST /v1/import", handler, func(c *call) error {
		var body importBody
		if err := readJSON(c.r, &body); err != nil {
			return err
		}
		res, err := c.svc.Import(body.Requests, c.now, c.member.Name)
		if err != nil {
			return err
		}
		return writeJSON(c.w, res)
	})
	s.handle("POST /v1/access", viewer, func(c *call) error {
		var body accessBody
		if err := readJSON(c.r, &body); err != nil {
			return err
		}
		// Who read and when are the server's to say.
		for i := range body.Entries {
			body.Entries[i].Actor, body.Entries[i].At = c.member.Name, c.now
		}
		if err := c.svc.LogAccess(body.Entries...); err != nil {
			return err
		}
		return writeJSON(c.w, struct{}{})
	})
}

// registerAndTeamRoutes registers the registers (read by all, written by admins) and the team table (admins).
func (s *Server) registerAndTeamRoutes() {
	viewer, admin := storage.RoleViewer, storage.RoleAdmin
	s.handle("GET /v1/registers", viewer, func(c *call) error {
		vs, err := c.svc.CurrentRegisters()
		if err != nil {
			return err
		}
		return writeJSON(c.w, toWireRegisters(vs))
	})
	s.handle("GET /v1/registers/{id}", viewer, func(c *call) error {
		vs, err := c.svc.RegisterHistory(c.r.PathValue("id"))
		if err != nil {
			return err
		}
		return writeJSON(c.w, toWireRegisters(vs))
	})
	s.handle("PUT /v1/registers/{id}", admin, func(c *call) error {
		var body putRegisterBody
		if err := readJSON(c.r, &body); err != nil {
			return err
		}
		v, stored, err := c.svc.PutRegister(c.r.PathValue("id"), body.TOML, body.Base, c.member.Name, body.Reason, c.now)
		if err != nil {
			return err
		}
		return writeJSON(c.w, putRegisterAnswer{Version: toWireRegister(v), Stored: stored})
	})

	s.handle("GET /v1/team", admin, func(c *call) error {
		members, err := s.store.Team()
		if err != nil {
			return err
		}
		return writeJSON(c.w, members)
	})
	s.handle("PUT /v1/team/{name}", admin, func(c *call) error { return s.setMember(c) })
	s.handle("DELETE /v1/team/{name}", admin, func(c *call) error { return s.removeMember(c) })
}

// databaseRoutes registers what concerns the whole database: checkpoints for everyone, check and purge for admins, backup for admins and the backup member.
func (s *Server) databaseRoutes() {
	viewer, admin := storage.RoleViewer, storage.RoleAdmin
	s.handle("GET /v1/checkpoints", viewer, func(c *call) error {
		f, err := s.store.Checkpoints()
		if err != nil {
			return err
		}
		return writeJSON(c.w, scopeCheckpoints(f, c.member))
	})
	s.handle("POST /v1/consistency", viewer, func(c *call) error {
		var witness storage.CheckpointFile
		if err := readJSON(c.r, &witness); err != nil {
			return err
		}
		witness = *scopeCheckpoints(&witness, c.member)
		problems, err := s.store.CheckAgainst(&witness)
		if err != nil {
			return err
		}
		return writeJSON(c.w, nonNil(problems))
	})
	s.handle("GET /v1/check", admin, func(c *call) error {
		if err := everyOrganisation(c.member, "check"); err != nil {
			return err
		}
		problems, err := s.store.Check()
		if err != nil {
			return err
		}
		problems = append(problems, s.erasureProblems(c.r.Context())...)
		return writeJSON(c.w, nonNil(problems))
	})
	// A backup is a read of everything it carries: an admin's, or the
	// backup member's, who reads every organisation and writes nothing
	// (TRUST.md: "a rightsdesk-backup member whose role reads everything").
	s.handle("GET /v1/backup", viewer, func(c *call) error { return s.backup(c) })
	s.handle("POST /v1/purge", admin, func(c *call) error { return s.purge(c) })
}

// pagedReads registers the app's start in three reads (storage.Paged): the
// first page with the counts, the open cases, the closed ones; each of
// the caller's organisations.
func (s *Server) pagedReads(viewer storage.Role) {
	paged := func(c *call) (storage.Paged, error) {
		p, ok := c.svc.(storage.Paged)
		if !ok {
			return nil, errors.New("this server's store does not page its queue")
		}
		return p, nil
	}
	s.handle("GET /v1/start", viewer, func(c *call) error {
		p, err := paged(c)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(c.r.URL.Query().Get("rows"))
		if err != nil || n < 1 || n > maxStartRows {
			return &BadRequest{Reason: fmt.Sprintf("rows: want 1 to %d", maxStartRows)}
		}
		st, err := p.Start(c.now, n)
		if err != nil {
			return err
		}
		return writeStart(c, st)
	})
	for path, read := range map[string]func(p storage.Paged, now time.Time) ([]cases.Summary, uint64, error){
		"GET /v1/open":   storage.Paged.OpenQueue,
		"GET /v1/closed": storage.Paged.ClosedQueue,
	} {
		s.handle(path, viewer, func(c *call) error {
			p, err := paged(c)
			if err != nil {
				return err
			}
			sums, counter, err := read(p, c.now)
			if err != nil {
				return err
			}
			return writeSummaries(c, sums, counter)
		})
	}
}

// maxStartRows bounds the first page a client asks for.
const maxStartRows = 1000

// writeStart answers with the first page: the counts, then the rows as
// writeSummaries writes them.
func writeStart(c *call, st *storage.Start) error {
	if c.r.Header.Get("Accept") != summariesType {
		return writeJSON(c.w, startBody{Summaries: nonNil(st.Rows), Counter: st.Changes, Counts: st.Counts})
	}
	b, err := encodeStart(st)
	if err != nil {
		return err
	}
	c.w.Header().Set("Content-Type", summariesType)
	c.w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, err = c.w.Write(b)
	return ignoreWritten(err)
}

// writeSummaries answers with summaries, in the compact form to a client
// that asks for it, else as JSON.
func writeSummaries(c *call, sums []cases.Summary, counter uint64) error {
	if c.r.Header.Get("Accept") != summariesType {
		return writeJSON(c.w, summariesBody{Summaries: sums, Counter: counter})
	}
	b := encodeSummaries(sums, counter)
	c.w.Header().Set("Content-Type", summariesType)
	c.w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, err := c.w.Write(b)
	return ignoreWritten(err)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// storedRules are the rules a new case of controller freezes: those of
// the organisation's current stored register, for the regime the client
// chose, whatever else the client's copy says (a client could otherwise
// give a case a deadline of its own). An organisation with no register
// keeps the client's rules: the scope then answers it as unknown.
func storedRules(svc storage.Service, controller string, asked cases.Rules) (cases.Rules, error) {
	current, err := svc.CurrentRegisters()
	if err != nil {
		return cases.Rules{}, err
	}
	for _, v := range current {
		if v.Register != controller {
			continue
		}
		r, err := register.ParseRegister("database/"+v.Register+".toml", v.TOML)
		if err != nil {
			return cases.Rules{}, fmt.Errorf("register %s version %d: %w", v.Register, v.Number, err)
		}
		r.Stored(v.Number, v.SHA256)
		return r.Rules(asked.Regime)
	}
	return asked, nil
}

// checkExports holds each exported event a client records to the packet
// the server builds for it (Config.Exported): its checksum must be that
// packet's, and its draft state and gaps are the server's.
func (s *Server) checkExports(c *call, id string, actions []storage.Action) error {
	for i := range actions {
		ev := &actions[i].Event
		if ev.Kind != cases.EventExported || ev.Letter == cases.RecordExport {
			continue
		}
		if s.cfg.Exported == nil {
			return &BadRequest{Reason: "this server records no exports"}
		}
		built, err := s.cfg.Exported(c.svc, id, *ev, func(subject, digest string) (string, error) {
			return s.store.SignFileSeal(id, subject, digest)
		})
		if err != nil {
			return err
		}
		if built.Checksum != ev.Checksum {
			return &cases.Refused{Field: "letter", Reason: fmt.Sprintf("the %s packet recorded (SHA-256 %.12s) is not the one the server builds from the case (%.12s): export it again",
				ev.Letter, cases.Printable(ev.Checksum), built.Checksum)}
		}
		ev.Draft, ev.Gaps = built.Draft || ev.Draft, built.Gaps
	}
	return nil
}

// mayRecord refuses approvals and rejections to a member below approver.
func mayRecord(m storage.Member, actions ...storage.Action) error {
	for _, a := range actions {
		switch a.Event.Kind {
		case cases.EventApproved, cases.EventRejected:
			if !m.Role.AtLeast(storage.RoleApprover) {
				return &Forbidden{Reason: fmt.Sprintf("%s is a %s: approving and rejecting a letter needs the %s role",
					cases.Printable(m.Name), m.Role, storage.RoleApprover)}
			}
		}
	}
	return nil
}

// everyOrganisation refuses what reaches every organisation's cases to a
// member of some only.
func everyOrganisation(m storage.Member, what string) error {
	if !m.All {
		return &Forbidden{Reason: fmt.Sprintf("%s reaches every organisation's cases: only a member of every organisation may run it", what)}
	}
	return nil
}

// scopeCheckpoints keeps the logs of a member's organisations, and the team
// table's, of a checkpoint file.
func scopeCheckpoints(f *storage.CheckpointFile, m storage.Member) *storage.CheckpointFile {
	if m.All {
		return f
	}
	out := *f
	out.Logs = []storage.LogSummary{}
	for _, l := range f.Logs {
		if l.Organisation == teamLog || slices.Contains(m.Organisations, l.Organisation) {
			out.Logs = append(out.Logs, l)
		}
	}
	return &out
}

// teamLog is the name under which the team table's log is listed among the
// checkpoints.
const teamLog = "~team"

func counterParam(r *http.Request) (uint64, error) {
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		n, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			return 0, &BadRequest{Reason: "Last-Event-ID is not a change counter"}
		}
		return n, nil
	}
	return uintParam(r, "since")
}

func uintParam(r *http.Request, name string) (uint64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, &BadRequest{Reason: fmt.Sprintf("%s=%s is not a whole number", name, cases.Printable(v))}
	}
	return n, nil
}

// ignoreWritten drops an error writing an answer already under way: the
// client went away, and nothing more can be said to it.
func ignoreWritten(error) error { return nil }

// stream writes a streamed answer, one JSON line per item, then the end
// or the error that stopped it.
type stream struct {
	w       http.ResponseWriter
	buf     *bufio.Writer
	enc     *json.Encoder
	started bool
}

func newStream(w http.ResponseWriter) *stream {
	buf := bufio.NewWriterSize(w, 64<<10)
	return &stream{w: w, buf: buf, enc: json.NewEncoder(buf)}
}

func (st *stream) start() {
	if !st.started {
		st.started = true
		st.w.Header().Set("Content-Type", "application/x-ndjson")
	}
}

func (st *stream) send(line streamLine) error {
	st.start()
	return st.enc.Encode(line)
}

// end closes the stream: an error before anything was sent is an error
// answer, with its status; one after travels as the last line.
func (st *stream) end(err error) error {
	if err != nil && !st.started {
		return err
	}
	st.start()
	if err != nil {
		we, _ := encodeError(err)
		_ = st.enc.Encode(streamLine{Error: &we})
	} else {
		_ = st.enc.Encode(streamLine{End: true})
	}
	return ignoreWritten(st.buf.Flush())
}

// setMember adds or changes a member (admin).
func (s *Server) setMember(c *call) error {
	if err := everyOrganisation(c.member, "editing the team"); err != nil {
		return err
	}
	var body memberBody
	if err := readJSON(c.r, &body); err != nil {
		return err
	}
	name := c.r.PathValue("name")
	role, err := storage.ParseRole(string(body.Role))
	if err != nil {
		return &BadRequest{Reason: err.Error()}
	}
	uid, err := s.cfg.LookupUser(name)
	if err != nil {
		return &BadRequest{Reason: fmt.Sprintf("team set: %v", err)}
	}
	if err := s.mayBeMember(uid, name); err != nil {
		return err
	}
	if !body.All && len(body.Organisations) == 0 {
		return &BadRequest{Reason: "team set: name the member's organisations (--org ID) or all of them"}
	}
	ev, err := s.store.SetMember(storage.Member{UID: uid, Name: name, Role: role, Organisations: body.Organisations, All: body.All},
		c.member.Name, c.now)
	if err != nil {
		return err
	}
	s.logf("team: uid %d set as %s by uid %d", uid, role, c.member.UID)
	if err := s.loadTeam(); err != nil {
		return err
	}
	s.hub.dropAll()
	return writeJSON(c.w, ev)
}

// removeMember takes a member out of the team table (admin).
func (s *Server) removeMember(c *call) error {
	if err := everyOrganisation(c.member, "editing the team"); err != nil {
		return err
	}
	name := c.r.PathValue("name")
	uid := -1
	s.teamMu.RLock()
	for _, m := range s.team {
		if m.Name == name {
			uid = m.UID
		}
	}
	s.teamMu.RUnlock()
	if uid < 0 {
		return &BadRequest{Reason: fmt.Sprintf("team remove: %s is not a member", cases.Printable(name))}
	}
	if uid == c.member.UID {
		return &Forbidden{Reason: "team remove: an admin cannot remove themselves (another admin can)"}
	}
	ev, err := s.store.RemoveMember(uid, c.member.Name, c.now)
	if err != nil {
		return err
	}
	s.logf("team: uid %d removed by uid %d", uid, c.member.UID)
	if err := s.loadTeam(); err != nil {
		return err
	}
	s.hub.dropAll()
	return writeJSON(c.w, ev)
}

// backup streams a backup of the database (or of one organisation's
// cases): the store writes it to a private folder beside the database, the
// server sends it and removes it. No path crosses the socket.
func (s *Server) backup(c *call) error {
	controller := c.r.URL.Query().Get("controller")
	if c.member.Role != storage.RoleAdmin && !c.member.All {
		return &Forbidden{Reason: fmt.Sprintf("backup: %s is a %s of some organisations: a backup needs the admin role, or a member of every organisation (the backup member: team set NAME --role viewer --all)",
			cases.Printable(c.member.Name), c.member.Role)}
	}
	if !c.member.All && (controller == "" || !slices.Contains(c.member.Organisations, controller)) {
		return &Forbidden{Reason: "backup: a member of some organisations backs up one of them (--controller ID)"}
	}
	dir, err := os.MkdirTemp(filepath.Dir(s.store.Path()), ".backup-")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	dest := filepath.Join(dir, "backup.db")
	_, err = s.store.Backup(dest, controller)
	var f *os.File
	if err == nil {
		f, err = os.Open(dest)
	}
	// Open, the copy is read from its handle: its folder goes at once, so
	// that nothing is left behind, whatever happens to the answer.
	os.RemoveAll(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	c.w.Header().Set("Content-Type", "application/octet-stream")
	c.w.Header().Set("Content-Length", strconv.FormatInt(info.Size(), 10))
	_, err = io.Copy(c.w, f)
	return ignoreWritten(err)
}

// erasureProblems are what the store's cluster says of the latest purge's
// erasure on each member (none for a file alone). A cluster that cannot be
// asked is a problem too: check must not pass what it could not verify.
func (s *Server) erasureProblems(ctx context.Context) []storage.Problem {
	if s.cfg.ErasureProblems == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, erasureCheckTimeout)
	defer cancel()
	problems, err := s.cfg.ErasureProblems(ctx)
	if err != nil {
		return []storage.Problem{{Detail: "the latest purge's erasure from the cluster is not verified: " + err.Error()}}
	}
	return problems
}

// erasureCheckTimeout bounds check's questions to the members.
const erasureCheckTimeout = 30 * time.Second

// eraseTimeout bounds the erasure after a purge: the sweep of the members'
// logs (some 320 MB and 10,000 changes at etcd's defaults), a compaction
// and a defragmentation of every member.
const eraseTimeout = 30 * time.Minute

// purge applies retention from the stored registers (admin of every
// organisation).
func (s *Server) purge(c *call) error {
	if err := everyOrganisation(c.member, "purge"); err != nil {
		return err
	}
	dry := c.r.URL.Query().Get("dry") == "1"
	versions, err := s.store.CurrentRegisters()
	if err != nil {
		return err
	}
	regs := map[string]*register.Register{}
	for _, v := range versions {
		r, err := register.ParseRegister("database/"+v.Register+".toml", v.TOML)
		if err != nil {
			return fmt.Errorf("register %s version %d: %w", v.Register, v.Number, err)
		}
		regs[v.Register] = r
	}
	retention := func(controller string) (storage.Retention, bool) {
		r, ok := regs[controller]
		if !ok {
			return storage.Retention{}, false
		}
		return storage.Retention{CopiesMonths: r.CaseFiles.PurgeCopiesMonths.Value, RecordYears: r.CaseFiles.KeepRecordYears.Value}, true
	}
	plan, err := s.store.Purge(retention, c.now, c.member.Name, dry)
	if err != nil {
		return err
	}
	if !dry && s.cfg.Erase != nil {
		ctx, cancel := context.WithTimeout(c.r.Context(), eraseTimeout)
		defer cancel()
		if err := s.cfg.Erase(ctx); err != nil {
			s.logf("purge: %d cases purged, but erasing them from the cluster's history failed: %v", len(plan.Items), err)
			return fmt.Errorf("%d cases purged, but erasing them from the cluster's history and every member failed (run purge again to erase): %w", len(plan.Items), err)
		}
		plan.ClusterErased = true
	}
	return writeJSON(c.w, plan)
}

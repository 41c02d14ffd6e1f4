package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"rightsdesk/cases"
	"rightsdesk/cases/register"
	"rightsdesk/storage"
)

// Forbidden is a request the caller's role or the team table does not
// allow: a member asking for more than their role, a uid not in the team
// table, a name that no longer matches it. The command line maps it to exit
// status 1, with its one line.
type Forbidden struct {
	// Reason says what was refused, in words fit for the caller.
	Reason string
}

func (e *Forbidden) Error() string { return e.Reason }

// BadRequest is a request the server could not read: a malformed body, a
// missing parameter, a body above the size limit. Exit status 2.
type BadRequest struct{ Reason string }

func (e *BadRequest) Error() string { return e.Reason }

// Error kinds on the wire: each names the Go type the client rebuilds.
const (
	kindForbidden       = "forbidden"
	kindBadRequest      = "bad_request"
	kindNotFound        = "not_found"
	kindConflict        = "conflict"
	kindRefused         = "refused"
	kindTooLarge        = "too_large"
	kindRegisterChanged = "register_changed"
	kindRegisterError   = "register_error"
	kindRowError        = "row_error"
	kindNoDatabase      = "no_database"
	kindEmptyFile       = "empty_file"
	kindTestSeed        = "test_seed_refused"
	kindStore           = "store"
	kindSentinel        = "sentinel"
	kindInternal        = "internal"
)

// sentinels are the storage errors compared with errors.Is, by their
// name on the wire.
var sentinels = []struct {
	name string
	err  error
}{
	{"busy", storage.ErrBusy},
	{"damaged", storage.ErrDamaged},
	{"foreign", storage.ErrForeign},
	{"newer", storage.ErrNewer},
	{"no_database", storage.ErrNoDatabase},
	{"read_only", storage.ErrReadOnly},
	{"same_file", storage.ErrSameFile},
	{"unavailable", storage.ErrUnavailable},
}

func sentinelNamed(name string) error {
	for _, s := range sentinels {
		if s.name == name {
			return s.err
		}
	}
	return nil
}

func sentinelName(err error) string {
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return s.name
		}
	}
	return ""
}

// wireError is an error as it crosses the socket: its message exactly as
// the local store words it, and the kind and fields of the typed error
// inside it, so that the client gives the caller the same Go types
// (errors.As, errors.Is) and so the same exit statuses.
type wireError struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`

	ID       string            `json:"id,omitempty"`
	Field    string            `json:"field,omitempty"`
	Reason   string            `json:"reason,omitempty"`
	Path     string            `json:"path,omitempty"`
	Sentinel string            `json:"sentinel,omitempty"`
	Detail   string            `json:"detail,omitempty"`
	Advice   string            `json:"advice,omitempty"`
	Name     string            `json:"name,omitempty"`
	Size     int64             `json:"size,omitempty"`
	Limit    int64             `json:"limit,omitempty"`
	Line     int               `json:"line,omitempty"`
	Conflict *storage.Conflict `json:"conflict,omitempty"`
	Base     int               `json:"base,omitempty"`
	Current  *wireRegister     `json:"current,omitempty"`
}

// encodeError describes err for the wire, with the HTTP status that goes
// with its kind.
func encodeError(err error) (wireError, int) {
	w := wireError{Message: err.Error()}
	var (
		forbidden  *Forbidden
		bad        *BadRequest
		notFound   *storage.NotFound
		conflict   *storage.Conflict
		refused    *cases.Refused
		tooLarge   *storage.TooLarge
		changed    *storage.RegisterChanged
		regErr     *register.RegisterError
		rowErr     *storage.RowError
		noDatabase *storage.NoDatabaseError
		emptyFile  *storage.EmptyFileError
		testSeed   *storage.TestSeedRefused
		storeErr   *storage.StoreError
		maxBytes   *http.MaxBytesError
	)
	switch {
	case errors.As(err, &forbidden):
		w.Kind, w.Reason = kindForbidden, forbidden.Reason
		return w, http.StatusForbidden
	case errors.As(err, &bad):
		w.Kind, w.Reason = kindBadRequest, bad.Reason
		return w, http.StatusBadRequest
	case errors.As(err, &maxBytes):
		w.Kind = kindBadRequest
		w.Message = fmt.Sprintf("the request is larger than the server accepts (%d bytes)", maxBytes.Limit)
		w.Reason = w.Message
		return w, http.StatusRequestEntityTooLarge
	case errors.As(err, &notFound):
		w.Kind, w.ID = kindNotFound, notFound.ID
		return w, http.StatusNotFound
	case errors.As(err, &conflict):
		w.Kind, w.Conflict = kindConflict, conflict
		return w, http.StatusConflict
	case errors.As(err, &refused):
		w.Kind, w.Field, w.Reason = kindRefused, refused.Field, refused.Reason
		return w, http.StatusUnprocessableEntity
	case errors.As(err, &tooLarge):
		w.Kind, w.Name, w.Size, w.Limit = kindTooLarge, tooLarge.Name, tooLarge.Size, tooLarge.Limit
		return w, http.StatusRequestEntityTooLarge
	case errors.As(err, &changed):
		w.Kind, w.Base, w.Current = kindRegisterChanged, changed.Base, toWireRegister(changed.Current)
		return w, http.StatusConflict
	case errors.As(err, &regErr):
		w.Kind, w.Path, w.Line, w.Field, w.Reason = kindRegisterError, regErr.File, regErr.Line, regErr.Field, regErr.Reason
		return w, http.StatusUnprocessableEntity
	case errors.As(err, &rowErr):
		w.Kind, w.Path, w.Line, w.Reason = kindRowError, rowErr.File, rowErr.Line, rowErr.Reason
		return w, http.StatusUnprocessableEntity
	case errors.As(err, &noDatabase):
		w.Kind, w.Path = kindNoDatabase, noDatabase.Path
		return w, http.StatusServiceUnavailable
	case errors.As(err, &emptyFile):
		w.Kind, w.Path = kindEmptyFile, emptyFile.Path
		return w, http.StatusServiceUnavailable
	case errors.As(err, &testSeed):
		w.Kind, w.Path, w.Reason = kindTestSeed, testSeed.Path, testSeed.Why
		return w, http.StatusUnprocessableEntity
	case errors.As(err, &storeErr):
		w.Kind, w.Path, w.Sentinel, w.Detail, w.Advice = kindStore, storeErr.Path, sentinelName(storeErr.Err), storeErr.Detail, storeErr.Advice
		if w.Sentinel == "" {
			// A StoreError around an error with no name on the wire: its
			// words are kept, its type is not.
			w.Detail, w.Advice = "", ""
			w.Kind = kindInternal
		}
		return w, http.StatusServiceUnavailable
	}
	if name := sentinelName(err); name != "" {
		w.Kind, w.Sentinel = kindSentinel, name
		return w, http.StatusServiceUnavailable
	}
	w.Kind = kindInternal
	return w, http.StatusInternalServerError
}

// decodeError rebuilds the Go error the server described: the typed error,
// wrapped so that its message reads exactly as the server's when the store
// had wrapped it in words of its own.
func decodeError(w wireError) error {
	var typed error
	switch w.Kind {
	case kindForbidden:
		typed = &Forbidden{Reason: w.Reason}
	case kindBadRequest:
		typed = &BadRequest{Reason: w.Message}
	case kindNotFound:
		typed = &storage.NotFound{ID: w.ID}
	case kindConflict:
		if w.Conflict != nil {
			typed = w.Conflict
		}
	case kindRefused:
		typed = &cases.Refused{Field: w.Field, Reason: w.Reason}
	case kindTooLarge:
		typed = &storage.TooLarge{Name: w.Name, Size: w.Size, Limit: w.Limit}
	case kindRegisterChanged:
		if w.Current != nil {
			typed = &storage.RegisterChanged{Base: w.Base, Current: w.Current.version()}
		}
	case kindRegisterError:
		typed = &register.RegisterError{File: w.Path, Line: w.Line, Field: w.Field, Reason: w.Reason}
	case kindRowError:
		typed = &storage.RowError{File: w.Path, Line: w.Line, Reason: w.Reason}
	case kindNoDatabase:
		typed = &storage.NoDatabaseError{Path: w.Path}
	case kindEmptyFile:
		typed = &storage.EmptyFileError{Path: w.Path}
	case kindTestSeed:
		typed = &storage.TestSeedRefused{Path: w.Path, Why: w.Reason}
	case kindStore:
		if s := sentinelNamed(w.Sentinel); s != nil {
			typed = &storage.StoreError{Path: w.Path, Err: s, Detail: w.Detail, Advice: w.Advice}
		}
	case kindSentinel:
		typed = sentinelNamed(w.Sentinel)
	}
	if typed == nil {
		return &remoteError{message: w.Message}
	}
	if typed.Error() == w.Message {
		return typed
	}
	return &remoteError{message: w.Message, err: typed}
}

// remoteError is an error whose words the server chose (a store error
// wrapped with context, or one with no type of its own on the wire): it
// reads exactly as on the server and unwraps to the typed error inside.
type remoteError struct {
	message string
	err     error
}

func (e *remoteError) Error() string { return e.message }
func (e *remoteError) Unwrap() error { return e.err }

// errorBody is the JSON body of every answer that is not a success.
type errorBody struct {
	Error wireError `json:"error"`
}

// wireRegister is a register version with its TOML, which
// storage.RegisterVersion leaves out of its JSON.
type wireRegister struct {
	Register string    `json:"register"`
	Number   int       `json:"number"`
	SHA256   string    `json:"sha256"`
	Actor    string    `json:"actor"`
	At       time.Time `json:"at"`
	Reason   string    `json:"reason"`
	TOML     []byte    `json:"toml"`
}

func toWireRegister(v storage.RegisterVersion) *wireRegister {
	return &wireRegister{Register: v.Register, Number: v.Number, SHA256: v.SHA256, Actor: v.Actor, At: v.At, Reason: v.Reason, TOML: v.TOML}
}

func (w *wireRegister) version() storage.RegisterVersion {
	return storage.RegisterVersion{Register: w.Register, Number: w.Number, SHA256: w.SHA256, Actor: w.Actor, At: w.At, Reason: w.Reason, TOML: w.TOML}
}

func toWireRegisters(vs []storage.RegisterVersion) []*wireRegister {
	out := make([]*wireRegister, len(vs))
	for i, v := range vs {
		out[i] = toWireRegister(v)
	}
	return out
}

func fromWireRegisters(ws []*wireRegister) []storage.RegisterVersion {
	if ws == nil {
		return nil
	}
	out := make([]storage.RegisterVersion, len(ws))
	for i, w := range ws {
		out[i] = w.version()
	}
	return out
}

// The bodies of requests and answers that are not a storage type as it is.

type idsBody struct {
	IDs []string `json:"ids"`
}

type summariesBody struct {
	Summaries []cases.Summary `json:"summaries"`
	Counter   uint64          `json:"counter"`
}

type changesBody struct {
	Counter uint64   `json:"counter"`
	IDs     []string `json:"ids"`
}

// wireResult is a storage.Result with what its view's JSON hides: the
// view embeds its deadlines, whose regime and zone its own fields of the
// same JSON names shadow.
type wireResult struct {
	*storage.Result
	DeadlinesRegime string `json:"deadlines_regime,omitempty"`
	DeadlinesZone   string `json:"deadlines_tz,omitempty"`
}

func toWireResult(r *storage.Result) *wireResult {
	w := &wireResult{Result: r}
	if r != nil && r.View != nil && r.View.Deadlines != nil {
		w.DeadlinesRegime, w.DeadlinesZone = r.View.Deadlines.Regime, r.View.Deadlines.Zone
	}
	return w
}

func (w *wireResult) result() *storage.Result {
	if w == nil || w.Result == nil {
		return nil
	}
	if w.View != nil && w.View.Deadlines != nil {
		w.View.Deadlines.Regime, w.View.Deadlines.Zone = w.DeadlinesRegime, w.DeadlinesZone
	}
	return w.Result
}

func toWireResults(rs []*storage.Result) []*wireResult {
	out := make([]*wireResult, len(rs))
	for i, r := range rs {
		out[i] = toWireResult(r)
	}
	return out
}

func fromWireResults(ws []*wireResult) []*storage.Result {
	if ws == nil {
		return nil
	}
	out := make([]*storage.Result, len(ws))
	for i, w := range ws {
		out[i] = w.result()
	}
	return out
}

type actionsBody struct {
	Actions []storage.Action `json:"actions"`
}

type bulkRequest struct {
	IDs       []string       `json:"ids"`
	Action    storage.Action `json:"action"`
	Revisions map[string]int `json:"revisions"`
}

type bulkBody struct {
	Applied map[string]*wireResult `json:"applied"`
	Refused map[string]wireError   `json:"refused"`
}

type addBody struct {
	Intake cases.Intake `json:"intake"`
	Rules  cases.Rules  `json:"rules"`
}

type importBody struct {
	Requests [][]*cases.Case `json:"requests"`
}

type accessBody struct {
	Entries []storage.Access `json:"entries"`
}

type putRegisterBody struct {
	TOML   []byte `json:"toml"`
	Base   int    `json:"base"`
	Reason string `json:"reason"`
}

type putRegisterAnswer struct {
	Version *wireRegister `json:"version"`
	Stored  bool          `json:"stored"`
}

// sealBody is a file seal (GET /v1/cases/{id}/seal).
type sealBody struct {
	Seal string `json:"seal"`
}

type limitsBody struct {
	MaxFileSize int64 `json:"max_file_size"`
}

type memberBody struct {
	Role          storage.Role `json:"role"`
	Organisations []string     `json:"organisations,omitempty"`
	All           bool         `json:"all_organisations,omitempty"`
}

// streamLine is one line of a streamed answer (Each, List, ListViews):
// one item, or the end, or the error that stopped it. A stream that ends
// without End or Error was cut.
type streamLine struct {
	Loaded  *storage.Loaded `json:"loaded,omitempty"`
	Summary *cases.Summary  `json:"summary,omitempty"`
	View    json.RawMessage `json:"view,omitempty"`
	End     bool            `json:"end,omitempty"`
	Error   *wireError      `json:"error,omitempty"`
}

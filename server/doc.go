// Package server is the team server of TRUST.md and its client: one
// process (rightsdesk serve) holds the database and answers the command
// line and the app over HTTP/JSON on a Unix socket; its Client implements
// storage.Service, so that the commands and the app work the same against
// the local file and against the server.
//
// # Identity, roles and scope
//
// Who is calling is read once per connection from the socket's peer
// credentials (SO_PEERCRED), never from a header, and the name through NSS.
// The team table (storage.Store.Team) decides: a uid not in it, or whose
// name no longer matches it, is refused and logged; each route needs a role
// (viewer reads; handler also records actions, exports, adds and imports;
// approver also approves and rejects; admin also edits the team table and
// the registers, checks, purges and backs up). A member sees only the cases
// of their organisations: a case outside them answers exactly as an
// unknown ID. Every write is recorded as the caller's account at the
// server's clock, whatever the request says.
//
// # Protocol
//
// Requests and answers are JSON; an answer that is not a success is
//
//	{"error": {"kind": "not_found", "message": "no case DSR-2026-000042", "id": "DSR-2026-000042"}}
//
// with a status that goes with its kind (403 forbidden, 400 bad_request,
// 404 not_found, 409 conflict and register_changed, 422 refused,
// register_error, row_error and test_seed_refused, 413 too_large, 503
// store, sentinel, no_database and empty_file, 500 internal), and the
// client turns it back into the Go error the local store returns
// (*storage.NotFound, *storage.Conflict, *cases.Refused,
// *storage.StoreError wrapping storage.ErrBusy, ErrDamaged, ErrReadOnly...).
// Streamed answers (each, list, listviews) are JSON lines, each
// {"loaded": ...}, {"summary": ...} or {"view": ...}, ending with
// {"end": true} or {"error": {...}}: a stream without either was cut.
// Queue and Rows answer a client that sends Accept:
// application/vnd.rightsdesk.summaries in a compact binary form (summaries.go):
// 100,000 summaries as JSON take seconds. Times the server needs ("now") are
// its own; no file path crosses the
// socket: attachments and registers travel as bytes, backups are streamed
// back.
//
// The routes, with the least role each needs:
//
//	GET    /v1/whoami                      viewer    the caller's team entry
//	GET    /v1/limits                      viewer    {"max_file_size": N}
//	GET    /v1/cases/{id}                  viewer    Get: {"Case": ..., "Revision": N, "Head": "..."}
//	POST   /v1/each                        viewer    Each: {"ids": [...]} -> JSON lines
//	GET    /v1/queue                       viewer    Queue: {"summaries": [...], "counter": N}
//	GET    /v1/start?rows=N                viewer    Start: the first N rows, {"summaries", "counter", "counts"}
//	GET    /v1/open                        viewer    OpenQueue: the cases owing an answer, {"summaries", "counter"}
//	GET    /v1/closed                      viewer    ClosedQueue: the closed and voided cases, {"summaries", "counter"}
//	POST   /v1/rows                        viewer    Rows: {"ids": [...]} -> {"summaries", "counter"}
//	GET    /v1/changes?since=N             viewer    Changes: {"counter": N, "ids": [...]}
//	GET    /v1/changes?since=N             viewer    with Accept: text/event-stream, the change stream
//	POST   /v1/list                        viewer    List: a storage.Filter -> JSON lines of summaries
//	POST   /v1/listviews                   viewer    ListViews: a storage.Filter -> JSON lines of views
//	GET    /v1/report?controller=&from=&to= viewer  Report: the register's entries of the caller's organisations (report.go)
//	GET    /v1/cases/{id}/chain            viewer    Chain
//	GET    /v1/cases/{id}/proof?upto=N     viewer    Proof
//	GET    /v1/cases/{id}/seal?what=&letter=&date= viewer  FileSeal: {"seal": "..."}, files the server builds and signs
//	GET    /v1/cases/{id}/files/{name}     viewer    File: the bytes
//	POST   /v1/cases/{id}/actions          handler   Do: {"actions": [...]} (approver for approved, rejected)
//	POST   /v1/bulk                        handler   DoEach: {"ids", "action", "revisions"} -> {"applied", "refused"}
//	POST   /v1/cases                       handler   Add: {"intake": ..., "rules": ...}
//	POST   /v1/import                      handler   Import: {"requests": [[case, ...], ...]}
//	POST   /v1/access                      viewer    LogAccess: {"entries": [...]} (who and when are the server's)
//	GET    /v1/registers                   viewer    CurrentRegisters (each with its TOML, base64)
//	GET    /v1/registers/{id}              viewer    RegisterHistory
//	PUT    /v1/registers/{id}              admin     PutRegister: {"toml": base64, "base": N, "reason": "..."}
//	GET    /v1/team                        admin     the team table
//	PUT    /v1/team/{name}                 admin     set a member: {"role": "handler", "organisations": [...]} or "all_organisations": true
//	DELETE /v1/team/{name}                 admin     remove a member
//	GET    /v1/checkpoints                 viewer    the signed checkpoints of the caller's logs and the key chain
//	POST   /v1/consistency                 viewer    a client's witness (a checkpoint file) -> the problems found against it
//	GET    /v1/check                       admin     check -> [{"case", "detail"}]
//	GET    /v1/backup?controller=ID        admin     the backup's bytes, streamed (also a member of every organisation: the backup member)
//	POST   /v1/purge?dry=1                 admin     retention from the stored registers -> the plan
//
// # The change stream
//
// GET /v1/changes with Accept: text/event-stream is a stream of
// server-sent events, one per commit that changed a case in the caller's
// scope:
//
//	id: 42
//	event: change
//	data: {"counter":42,"ids":["DSR-2026-000017"]}
//
// The id is the change counter, the resume token: a client that reconnects
// sends it as ?since=N or Last-Event-ID and first receives what changed
// since. A comment line every 15 seconds keeps an idle stream alive. A
// subscriber that falls behind is dropped, never waited for: it reconnects
// from its last counter.
//
// # With curl
//
//	curl --unix-socket /run/rightsdesk/rightsdesk.sock http://rightsdesk/v1/whoami
//	curl --unix-socket /run/rightsdesk/rightsdesk.sock http://rightsdesk/v1/cases/DSR-2026-000042
//	curl --unix-socket /run/rightsdesk/rightsdesk.sock -d '{"Overdue":true}' http://rightsdesk/v1/listviews
//	curl --unix-socket /run/rightsdesk/rightsdesk.sock -d '{"actions":[{"Event":{"kind":"noted","text":"called back"},"IfRevision":-1}]}' \
//	    http://rightsdesk/v1/cases/DSR-2026-000042/actions
//	curl -N -H 'Accept: text/event-stream' --unix-socket /run/rightsdesk/rightsdesk.sock 'http://rightsdesk/v1/changes?since=0'
//	curl --unix-socket /run/rightsdesk/rightsdesk.sock -o cases.db http://rightsdesk/v1/backup
//	curl --unix-socket /run/rightsdesk/rightsdesk.sock -X PUT -d '{"role":"handler","organisations":["crisp"]}' http://rightsdesk/v1/team/alice
package server

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/mod/sumdb/note"

	"rightsdesk/cases"
	"rightsdesk/etcdstore"
	"rightsdesk/storage"
)

// packetProof is a packet's proof.json: the case's log signed at the size
// just after the last event the packet reflects (the last that shapes a
// packet, cases.ShapesPacket, recorded by the end of the letter's date when
// it has one), so that the same case state gives the same bytes, a note or
// a tag added since included.
func packetProof(st storage.Service, c *cases.Case, date cases.Date) ([]byte, error) {
	var end time.Time
	if !date.IsZero() {
		loc, err := cases.LoadZone(c.Rules.Zone)
		if err != nil {
			return nil, err
		}
		end = date.AddDays(1).Start(loc)
	}
	upTo := 0
	for i, e := range c.Events {
		if cases.ShapesPacket(e.Kind) && (end.IsZero() || e.RecordedAt.Before(end)) {
			upTo = i + 1
		}
	}
	if upTo == 0 {
		return nil, nil
	}
	p, err := st.Proof(c.ID, uint64(upTo))
	if err != nil {
		return nil, fmt.Errorf("the proof of %s: %w", c.ID, err)
	}
	out, err := json.MarshalIndent(p, "", "  ")
	return append(out, '\n'), err
}

// recordProof is a case record's proof: of every event it shows.
func recordProof(st storage.Service, id string) (json.RawMessage, error) {
	p, err := st.Proof(id, 0)
	if err != nil {
		return nil, fmt.Errorf("the proof of %s: %w", id, err)
	}
	return json.Marshal(p)
}

// checkpointCommand prints or exports the signed checkpoints.
func (a *app) checkpointCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "checkpoint", Short: "print or export the signed checkpoints of the logs", Args: noArgs,
		Long: `Prints the latest signed checkpoint of every organisation's log (C2SP
tlog-checkpoint text with its ed25519 signature) and the database's public
keys, or with --out writes them to FILE (JSON). Keep that file where whoever
holds the signing key cannot reach it: rightsdesk check --against FILE then
shows any rewrite or rollback made since.

The signing key is kept in $XDG_STATE_HOME/rightsdesk/<database>.key
(default ~/.local/state), never in the database nor its backups. A lost key
is replaced by the next change, recorded as key_replaced, which check
reports; with --rotate-key the key is retired for a new one, recorded as
key_rotated signed by both. Checkpoints signed before still verify.

A server on an etcd cluster signs with a key of its own
(<database>.<name>.key): its service account rotates it while that server is
stopped, with the server's own flags: rightsdesk checkpoint --rotate-key
--db REPLICA --store etcd://HOST:PORT --etcd-name NAME. The rotation is one
change on the cluster, which the other servers follow.`,
		Example: "  rightsdesk checkpoint\n  rightsdesk checkpoint --out /media/usb/checkpoint-$(date +%F).json\n  rightsdesk checkpoint --rotate-key"}
	var db, out string
	var rotate bool
	dbFlag(cmd, &db)
	cmd.Flags().StringVar(&out, "out", "", "write the checkpoints and keys to `FILE` (JSON)")
	_ = cmd.MarkFlagFilename("out", "json")
	cmd.Flags().BoolVar(&rotate, "rotate-key", false, "retire the signing key for a new one (key_rotated, signed by both)")
	asJSON := cmd.Flags().Bool("json", false, "print the checkpoints and keys (or the key event of --rotate-key, or --out's path) as one JSON value on one line")
	var store string
	var eo etcdOptions
	cmd.Flags().StringVar(&store, "store", "", "with --rotate-key: --db is the replica of a stopped server on the etcd cluster `etcd://HOST:PORT[,...]`")
	etcdFlags(cmd, &eo)
	cmd.RunE = a.runs(func([]string) int {
		if store != "" && !rotate {
			return a.fail(exitUsage, errors.New("checkpoint --store: only with --rotate-key (the checkpoints are read through the team server)"))
		}
		if rotate {
			if a.team != nil {
				return a.fail(exitUsage, fmt.Errorf("checkpoint --rotate-key: %w", teamOnlyRefusal("the signing key")))
			}
			ev, err := a.rotateKey(a.dbPath(db), store, eo)
			if err != nil {
				return a.storeFailure(err)
			}
			if *asJSON {
				return a.printJSON(ev)
			}
			fmt.Fprintf(a.stdout, "key %d  %s  %s  %s\n", ev.Seq, ev.Kind, ev.At.UTC().Format(time.RFC3339), cases.Printable(ev.Key))
			return exitOK
		}
		f, err := a.checkpoints(db)
		if err != nil {
			return a.storeFailure(err)
		}
		if out != "" {
			if err := storage.WriteCheckpointFile(out, f); err != nil {
				return a.fail(exitUsage, fmt.Errorf("checkpoint --out: %w", err))
			}
			if *asJSON {
				return a.printJSON(map[string]string{"path": out})
			}
			fmt.Fprintln(a.stdout, out)
			return exitOK
		}
		if *asJSON {
			return a.printJSON(f)
		}
		fmt.Fprintf(a.stdout, "database %s\n", cases.Printable(f.Database))
		for _, k := range f.Keys {
			fmt.Fprintf(a.stdout, "key %d  %s  %s  %s\n", k.Seq, k.Kind, k.At.UTC().Format(time.RFC3339), cases.Printable(k.Key))
		}
		// Each checkpoint as the signed note it is, line by line (each
		// line neutralised on its own, so the note's breaks stay breaks).
		for _, l := range f.Logs {
			fmt.Fprintln(a.stdout)
			for _, line := range strings.Split(strings.TrimSuffix(l.Checkpoint, "\n"), "\n") {
				fmt.Fprintln(a.stdout, cases.Printable(line))
			}
		}
		return exitOK
	})
	return cmd
}

// checkpoints are the signed checkpoints and the key chain: the team
// server's in team mode (the client writes any file with its own
// credentials), else the local database's.
func (a *app) checkpoints(db string) (*storage.CheckpointFile, error) {
	if a.team != nil {
		return a.client.Checkpoints()
	}
	return a.store(a.dbPath(db)).Checkpoints()
}

// checkAgainst checks the database against an exported checkpoint file,
// or the proof of an earlier packet or case record.
// In team mode the team server checks its logs against the file the
// client read (the file's path never crosses the socket).
func (a *app) checkAgainst(db, path string) ([]storage.Problem, int) {
	f, err := storage.ReadCheckpointFile(path)
	if err != nil {
		p, _, perr := readProof(path)
		if perr != nil {
			return nil, a.fail(exitUsage, fmt.Errorf("check --against: %w", perr))
		}
		f = p.Checkpoints()
	}
	var problems []storage.Problem
	if a.team != nil {
		problems, err = a.client.CheckAgainst(f)
	} else {
		problems, err = a.store(a.dbPath(db)).CheckAgainst(f)
	}
	if err != nil {
		return nil, a.storeFailure(err)
	}
	return problems, exitOK
}

// reportKeys prints the key events check reports: a replaced key is said,
// so that one nobody expected shows.
func (a *app) reportKeys(db string) {
	var events []storage.KeyEvent
	if a.team != nil {
		f, err := a.client.Checkpoints()
		if err != nil {
			return // check reports a damaged key chain as a problem
		}
		events = f.Keys
	} else {
		var err error
		if events, err = a.store(a.dbPath(db)).KeyEvents(); err != nil {
			return
		}
	}
	for _, k := range events {
		if k.Kind == storage.Restored {
			fmt.Fprintf(a.stdout, "note: restored from a backup on %s: %s\n", k.At.UTC().Format(time.RFC3339), cases.Printable(k.Reason))
			continue
		}
		if k.Kind != storage.KeyCreated {
			fmt.Fprintf(a.stdout, "note: signing key %s on %s (%s): %s\n", strings.ReplaceAll(k.Kind, "key_", ""),
				k.At.UTC().Format(time.RFC3339), cases.Printable(k.Reason), cases.Printable(k.Key))
		}
	}
}

// withProofVerify makes the verify action also `verify PACKET [--key PUB]`:
// when its argument is a path that exists, it checks the proofs of a
// packet (folder or zip) or a case record offline.
func (a *app) withProofVerify(cmd *cobra.Command) *cobra.Command {
	if cmd.Name() != "verify" {
		return cmd
	}
	cmd.Use = "verify ID | verify PACKET"
	cmd.Long += `

verify PACKET [--key PUB] instead checks, offline and on any machine, the
proofs a packet (its folder or zip, or its proof.json) or a case record
(record.json, or its folder) carries: the checkpoint's signature and that
each event is in the signed log; and, given the folder or zip, that every
file is the one exported: each matches SHA256SUMS and the manifest,
nothing was added, and the seal (manifest.sig, a record's SHA256SUMS.sig),
signed with the same key, signs that manifest. A letter, data file or
record changed after export fails even when its checksums were made to
match again. Give --key the database's public key (rightsdesk checkpoint
prints it), kept apart; without it the keys the file carries are used,
which shows only that it is self-consistent. It says which. An argument
that is an existing path is taken as PACKET. Exit 1 if a check fails.`
	cmd.Example += "\n  rightsdesk verify ~/out/DSR-2026-000042-access.zip --key 'rightsdesk/4f…+1a2b3c4d+AbC…'"
	key := cmd.Flags().String("key", "", "with PACKET: the public `KEY` to check the signature with")
	args, run := cmd.Args, cmd.RunE
	cmd.Args = func(c *cobra.Command, as []string) error {
		if verifiesPacket(c, as) {
			return nil
		}
		return args(c, as)
	}
	cmd.RunE = func(c *cobra.Command, as []string) error {
		if verifiesPacket(c, as) {
			asJSON, _ := c.Flags().GetBool("json")
			return a.runs(func([]string) int { return a.runVerifyProof(as[0], *key, asJSON) })(c, as)
		}
		if *key != "" {
			return a.runs(func([]string) int {
				return a.fail(exitUsage, errors.New("verify: --key goes with a packet or record path"))
			})(c, as)
		}
		return run(c, as)
	}
	return cmd
}

// verifiesPacket reports whether cmd is verify PACKET: verify with one
// argument that is an existing path and no flag of the action (verify ID
// --method e-mail, when a file of that name happens to be in the folder,
// is the action).
func verifiesPacket(cmd *cobra.Command, args []string) bool {
	if cmd.Name() != "verify" || len(args) != 1 || !isPath(args[0]) {
		return false
	}
	action := false
	cmd.Flags().Visit(func(f *pflag.Flag) { action = action || (f.Name != "key" && f.Name != "db" && f.Name != "json") })
	return !action
}

func isPath(s string) bool {
	_, err := os.Stat(s)
	return err == nil
}

func (a *app) runVerifyProof(path, key string, asJSON bool) int {
	if key != "" {
		if _, err := note.NewVerifier(strings.TrimSpace(key)); err != nil {
			return a.fail(exitUsage, fmt.Errorf("verify: --key: not a public key as rightsdesk checkpoint prints one (%v)", err))
		}
	}
	files, err := readFileSet(path)
	if err != nil {
		return a.fail(exitRefused, fmt.Errorf("verify: %w", err))
	}
	p, record, err := proofOf(path, files)
	if err != nil {
		return a.fail(exitUsage, fmt.Errorf("verify: %w", err))
	}
	var keys []string
	if key != "" {
		keys = []string{key}
	}
	v, err := storage.VerifyProof(p, keys)
	if err == nil && record != nil {
		err = matchRecord(p, record)
	}
	sealed := "only the proof was checked: give the packet's folder or zip, or the record's folder, to check its files too"
	if err == nil && files == nil && record != nil {
		// A record's events are shown with their facts, which its proof
		// does not cover: only its seal does, beside it in its folder.
		err = errors.New("record.json alone cannot show its events' facts are the ones written: give the record's folder, with its SHA256SUMS and SHA256SUMS.sig")
	}
	if err == nil && files != nil {
		if len(keys) == 0 {
			keys = p.Keys
		}
		sealed, err = checkSealed(files, p, keys)
	}
	if err != nil {
		return a.fail(exitRefused, fmt.Errorf("verify %s: %w", path, err))
	}
	if asJSON {
		return a.printJSON(map[string]any{"ok": true, "case": p.Case, "events": v.Events, "log": v.Checkpoint.Origin,
			"size": v.Checkpoint.Size, "files": sealed, "key": v.KeySource, "test_key": v.Checkpoint.Test})
	}
	fmt.Fprintf(a.stdout, "ok: %d events of %s are in the log %s at size %d, signed; %s; checked with %s\n",
		v.Events, cases.Printable(p.Case), cases.Printable(v.Checkpoint.Origin), v.Checkpoint.Size, sealed, v.KeySource)
	if v.Checkpoint.Test {
		fmt.Fprintln(a.stdout, "note: a test database's checkpoint, signed with a key derived from its seed: not a production key")
	}
	return exitOK
}

// recordEvents is what verify reads of a case record: its events' digests.
type recordEvents struct {
	Events []struct {
		Seq    uint64 `json:"seq"`
		Digest string `json:"digest"`
	} `json:"events"`
	Proof *storage.CaseProof `json:"proof"`
}

// matchRecord checks that a record's events are those its proof proves.
func matchRecord(p *storage.CaseProof, r *recordEvents) error {
	if len(r.Events) != len(p.Events) {
		return fmt.Errorf("the record shows %d events, its proof %d", len(r.Events), len(p.Events))
	}
	for i, e := range r.Events {
		if e.Seq != p.Events[i].Seq || e.Digest != p.Events[i].Digest {
			return fmt.Errorf("event %d of the record is not the one its proof proves (altered)", e.Seq)
		}
	}
	return nil
}

// readProof finds the proof in a packet (folder, zip or proof.json) or a
// case record (record.json or its folder); record is set for a record.
func readProof(path string) (*storage.CaseProof, *recordEvents, error) {
	files, err := readFileSet(path)
	if err != nil {
		return nil, nil, err
	}
	return proofOf(path, files)
}

// proofOf is readProof of the files read at path (nil: path is one file).
func proofOf(path string, files fileSet) (*storage.CaseProof, *recordEvents, error) {
	var data []byte
	if files != nil {
		var ok bool
		if data, ok = files["proof.json"]; !ok {
			if data, ok = files["record.json"]; !ok {
				return nil, nil, fmt.Errorf("%s holds no proof.json or record.json", path)
			}
		}
	} else {
		info, err := os.Stat(path)
		if err != nil {
			return nil, nil, err
		}
		if !info.Mode().IsRegular() || info.Size() >= 64<<20 {
			return nil, nil, fmt.Errorf("%s is not a packet or a case record", path)
		}
		if data, err = os.ReadFile(path); err != nil {
			return nil, nil, err
		}
	}
	var r recordEvents
	if err := json.Unmarshal(data, &r); err == nil && r.Proof != nil {
		return r.Proof, &r, nil
	}
	var p storage.CaseProof
	if err := json.Unmarshal(data, &p); err != nil || p.Checkpoint == "" {
		return nil, nil, fmt.Errorf("%s carries no proof (a packet or case record exported before proofs?)", path)
	}
	return &p, nil, nil
}

// rotateKey retires the signing key of the database at path for a new one:
// a file's own key, or with store (etcd://...) the key of the stopped server
// whose replica path is, through the cluster.
func (a *app) rotateKey(path, store string, eo etcdOptions) (storage.KeyEvent, error) {
	if store == "" {
		return a.store(path).RotateKey()
	}
	cluster, err := eo.dial(store)
	if err != nil {
		return storage.KeyEvent{}, fmt.Errorf("checkpoint --store: %w", err)
	}
	defer cluster.Close()
	a.beginWrite()
	st, _, stop, err := etcdstore.OpenReplica(context.Background(), path, storage.Options{IDsPerOrganisation: true, Clock: a.clock, Provenance: a.provenance()}, cluster)
	if err != nil {
		return storage.KeyEvent{}, fmt.Errorf("checkpoint --store %s: %w", store, err)
	}
	defer stop()
	return st.RotateKey()
}

package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestPurgeCommand(t *testing.T) {
	d := newDesk(t, "2022-02-01T12:00:00Z")
	id := d.add("--controller", "crisp", "--right", "access", "--received", "2022-01-03", "--text", "PURGEMARKER text")
	if status, _, errOut := d.run("close", id, "--outcome", "no-data", "--at", "2022-01-10", "--late", "closed on paper"); status != 0 {
		t.Fatal(errOut)
	}
	held := d.add("--controller", "crisp", "--right", "erasure", "--received", "2022-01-03", "--text", "HOLDMARKER text")
	for _, s := range [][]string{{"close", held, "--outcome", "no-data", "--at", "2022-01-10", "--late", "closed on paper"}, {"tag", held, "legal-hold"}} {
		if status, _, errOut := d.run(s...); status != 0 {
			t.Fatal(errOut)
		}
	}
	// Crisp keeps the minimal record 3 years after closure: due 10 January 2025.
	d.env["RIGHTSDESK_NOW"] = "2026-11-22T12:00:00Z"
	status, dry, _ := d.run("purge", "--dry-run")
	if status != 0 || !strings.Contains(dry, "would purge "+id) || !strings.Contains(dry, "held "+held) {
		t.Fatalf("dry run: %d %q", status, dry)
	}
	status, out, _ := d.run("purge")
	if status != 0 || strings.ReplaceAll(strings.Split(out, "; file compacted")[0], "purged", "would purge") != strings.TrimSuffix(dry, "\n") {
		t.Fatalf("the real run differs from the dry run:\n%s\n%s", dry, out)
	}
	raw, _ := os.ReadFile(d.db)
	if bytes.Contains(raw, []byte("PURGEMARKER")) || !bytes.Contains(raw, []byte("HOLDMARKER")) {
		t.Fatal("purged text lingers in the file, or held text is gone")
	}
	if status, out, _ := d.run("check"); status != 0 {
		t.Fatalf("check after purge: %s", out)
	}
	if v := d.show(id); v["outcome"] != "no-data" || v["receipt_date"] != "2022-01-03" {
		t.Fatalf("the minimal record: %v", v)
	}
}

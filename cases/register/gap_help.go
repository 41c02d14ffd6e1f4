package register

import (
	"rightsdesk/cases"

	"fmt"
	"strconv"
	"strings"
)

// FieldHelp says where a register field sits in the register's TOML file
// and what a DPO may write there, so that a gap says how to fill it.
type FieldHelp struct {
	// TOML is the field as the DPO finds it in the file: "legal_name",
	// "[authority] web", `[[recipients]] 5: country` (the fifth
	// [[recipients]] table), `[[retention]] "billing": why` (the
	// [[retention]] table with that id), `[[contacts]]` (a new table).
	TOML string
	// Example is TOML to write there, with example values (Example Ltd,
	// example.com addresses, a slug of the field's vocabulary), never the
	// organisation's own facts; "" where the field is unknown.
	Example string
}

// EditCommand is the command that opens the register in the DPO's editor:
// every register gap is fixed there.
func (r *Register) EditCommand() string { return "rightsdesk controllers " + r.ID + " edit" }

// fieldSegment is one segment of a field path: a key, and the list index
// that follows it (-1 for none).
type fieldSegment struct {
	key   string
	index int
}

var segmentPattern = lazyRegexp(`^([a-z_0-9-]+)(?:\[(\d+)\])?$`)

// parseField splits "recipients[2].safeguard" into its segments. A path
// that names a system by id ("systems.app-db.retention", as the letters
// do) is given the system's index.
func (r *Register) parseField(field string) ([]fieldSegment, bool) {
	var out []fieldSegment
	parts := strings.Split(field, ".")
	for i := 0; i < len(parts); i++ {
		m := segmentPattern().FindStringSubmatch(parts[i])
		if m == nil {
			return nil, false
		}
		seg := fieldSegment{key: m[1], index: -1}
		if m[2] != "" {
			seg.index, _ = strconv.Atoi(m[2])
		}
		if seg.key == "systems" && seg.index < 0 && i+1 < len(parts) {
			for j := range r.Systems {
				if r.Systems[j].ID == parts[i+1] {
					seg.index = j
					i++
					break
				}
			}
		}
		out = append(out, seg)
	}
	return out, len(out) > 0
}

// Help says where field (a Gap's or a letter gap's Field, such as
// "recipients[2].safeguard") sits in the register's TOML file and what to
// write there.
func (r *Register) Help(field string) FieldHelp {
	segs, ok := r.parseField(field)
	if !ok {
		return FieldHelp{}
	}
	first := segs[0]
	switch {
	case len(segs) == 1 && first.index < 0 && listKinds[first.key]:
		return FieldHelp{TOML: "[[" + first.key + "]] (a new entry)", Example: r.itemExample(first.key)}
	case len(segs) == 1 && first.index < 0:
		return FieldHelp{TOML: first.key, Example: r.factExample("", first.key)}
	case first.index < 0: // a table: [authority] web
		leaf := segs[len(segs)-1]
		where := "[" + first.key + "] " + leaf.key
		if leaf.index >= 0 {
			where += " " + strconv.Itoa(leaf.index+1)
		}
		return FieldHelp{TOML: where, Example: r.factExample(first.key, leaf.key)}
	}
	item := "[[" + first.key + "]] " + r.itemName(first.key, first.index)
	if len(segs) == 1 {
		if first.key == "findings" {
			return FieldHelp{TOML: item, Example: findingExample}
		}
		return FieldHelp{TOML: item, Example: r.itemExample(first.key)}
	}
	leaf := segs[1].key
	return FieldHelp{TOML: item + ": " + leaf, Example: r.factExample(first.key, leaf)}
}

// itemName names a list's item i as the file shows it: by its id where
// the list has ids, else by its place among the list's tables (1 for the
// first), which is what a reader of the file can count.
func (r *Register) itemName(list string, i int) string {
	id := ""
	switch {
	case list == "systems" && i < len(r.Systems):
		id = r.Systems[i].ID
	case list == "retention" && i < len(r.Retention):
		id = r.Retention[i].ID
	case list == "categories" && i < len(r.Categories):
		id = r.Categories[i].ID
	case list == "purposes" && i < len(r.Purposes):
		id = r.Purposes[i].ID
	}
	if id != "" {
		return strconv.Quote(id)
	}
	return strconv.Itoa(i + 1)
}

// listKinds are the register's lists of tables.
var listKinds = map[string]bool{"roles": true, "categories": true, "purposes": true, "recipients": true,
	"transfers": true, "retention": true, "systems": true, "sources": true, "rights": true, "contacts": true,
	"languages": true, "findings": true}

// findingExample is how a finding is settled: it is about the policy, so
// it stays a gap until the DPO has set the facts it concerns and removes
// it.
const findingExample = `# settled once the facts it concerns are set with source = "dpo": then delete this [[findings]] table`

// exampleValues are example values of the register's facts, by "list.key",
// "table.key" or top-level "key": values a DPO replaces (Example Ltd,
// example.com, a slug of the field's vocabulary), never an organisation's
// facts.
var exampleValues = map[string]string{
	"name":                           `"Example"`,
	"legal_name":                     `"Example Software Ltd"`,
	"address":                        `"1 Example Street, 75001 Paris, France"`,
	"country":                        `"FR"  # ISO 3166-1 code of the country of establishment`,
	"privacy_contact":                `"privacy@example.com"`,
	"dpo_contact":                    `"dpo@example.com"`,
	"automated_decisions":            `"No decision about you is made by automated means alone."`,
	"policy.last_updated":            `"2025-01-31"`,
	"authority.name":                 `"Example Data Protection Authority"`,
	"authority.address":              `"1 Example Square, 1000 Example City"`,
	"authority.web":                  `"https://authority.example.org"`,
	"clock.regime":                   `"eu-gdpr"`,
	"clock.zone":                     `"Europe/Paris"`,
	"clock.calendar":                 `"FR"`,
	"clock.promise_days":             `30`,
	"clock.pause":                    `"additive"  # one of: additive, none`,
	"case_files.purge_copies_months": `6`,
	"case_files.keep_record_years":   `3`,
	"purposes.purpose":               `"to answer support requests"`,
	"purposes.basis":                 `"contract"  # one of: ` + "consent, contract, legal-obligation, vital-interests, public-task, legitimate-interests",
	"recipients.kind":                `"processor"  # one of: processor, third-party, authority`,
	"recipients.name":                `"Example Hosting GmbH"`,
	"recipients.category":            `"hosting provider"`,
	"recipients.purpose":             `"hosts our service"`,
	"recipients.country":             `"Germany"`,
	"recipients.safeguard":           `"Standard Contractual Clauses (Commission Implementing Decision (EU) 2021/914)"`,
	"retention.data":                 `"support messages"`,
	"retention.why":                  `"to answer questions about a past request"`,
	"retention.law":                  `"Example Commercial Code, art. 123"`,
	"retention.erasure_exception":    `"art17-3-b"`,
	"contacts.kind":                  `"email"  # one of: email, web, post, phone`,
	"contacts.value":                 `"privacy@example.com"`,
	"contacts.use":                   `"requests"  # one of: requests, questions, dpa`,
	"categories.name":                `"your account details"`,
	"roles.forward_working_days":     `5`,
}

// fact is one line of TOML setting a fact to value, set by the DPO.
func fact(key, value string) string {
	v, comment, _ := strings.Cut(value, "  # ")
	line := fmt.Sprintf("%s = { value = %s, source = \"dpo\" }", key, v)
	if comment != "" {
		line += "  # " + comment
	}
	return line
}

var triggerComment = "  # one of: " + strings.Join(cases.RetentionTriggers, ", ")

// factExample is the example of the fact key of the table or list parent
// ("" for the top level).
func (r *Register) factExample(parent, key string) string {
	switch parent + "." + key {
	case "retention.period":
		return fact("period", `"2 years from collection"`) + "\n" + fact("length", `"2y"`) + "\n" +
			fact("from", `"collection"`) + triggerComment
	case "retention.length":
		return fact("length", `"2y"`) + "\n" + fact("from", `"collection"`) + triggerComment
	case "retention.from":
		return fact("from", `"collection"`) + triggerComment
	case ".code": // a setting, not a fact: no provenance
		return fmt.Sprintf("code = %q  # the organisation's code in case IDs: 1 to 12 capital letters or digits", r.CaseCode())
	case "systems.categories":
		return r.idList("categories", r.categoryIDs(), true)
	case "systems.retention":
		return r.idList("retention", r.retentionIDs(), false)
	}
	name := key
	if parent != "" {
		name = parent + "." + key
	}
	v, ok := exampleValues[name]
	if !ok {
		return ""
	}
	return fact(key, v)
}

// idList is the example of a system's reference to the register's
// categories or retention rules: its first id (an id the register has, or
// the example would not validate), with the others listed.
func (r *Register) idList(key string, ids []string, list bool) string {
	if len(ids) == 0 {
		return ""
	}
	comment := fmt.Sprintf("  # ids of the [[%s]] tables: %s", key, strings.Join(ids, ", "))
	if list {
		return fmt.Sprintf("%s = [%q]%s", key, ids[0], comment)
	}
	return fmt.Sprintf("%s = %q%s", key, ids[0], comment)
}

// itemExample is a whole new table of the list: the DPO sets its facts,
// which inherit the table's source.
func (r *Register) itemExample(list string) string {
	lines := []string{"[[" + list + "]]", `source = "dpo"`}
	switch list {
	case "contacts":
		lines = append(lines, `kind = "email"`, `value = "privacy@example.com"`, `use = "requests"`)
	case "transfers", "sources":
		v := `"Standard Contractual Clauses (Commission Implementing Decision (EU) 2021/914)"`
		if list == "sources" {
			v = `"the subject and their use of the service"`
		}
		lines = []string{"[[" + list + "]]", "value = " + v, `source = "dpo"`}
	case "recipients":
		lines = append(lines, `kind = "processor"`, `name = "Example Hosting GmbH"`, `purpose = "hosts our service"`,
			`country = "Germany"`, `safeguard = "none needed: the data stay in the EEA"`)
	case "purposes":
		lines = append(lines, `purpose = "to answer support requests"`, `basis = "contract"`)
	case "categories":
		lines = append(lines, `id = "account"`, `name = "your account details"`)
	case "systems":
		lines = append(lines, `id = "customer-db"`, `name = "our customer database"`)
		if ids := r.categoryIDs(); len(ids) > 0 {
			lines = append(lines, fmt.Sprintf("categories = [%q]", ids[0]))
		}
	default:
		return ""
	}
	return strings.Join(lines, "\n")
}

// OneLine is an example or any several-line text on one line, for a
// status line or stderr.
func OneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ; ")), " ")
}

package export

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"regexp"
	"strings"
	"sync"
	"text/template"

	"rightsdesk/cases"
)

//go:embed templates
var templateFS embed.FS

// DefaultLanguage is the language letters fall back to when there are no
// templates in the case's language.
const DefaultLanguage = "en"

// Languages lists the languages with letter templates (a folder
// templates/<code>/ each).
func Languages() []string {
	entries, _ := fs.ReadDir(templateFS, "templates")
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

// templateLanguage is the case's language if it has templates, else the
// default.
func templateLanguage(lang string) string {
	for _, l := range Languages() {
		if l == lang {
			return l
		}
	}
	return DefaultLanguage
}

// markdownTemplates parses a language's templates; include runs a template
// chosen by name (the final letter's per-right part).
func markdownTemplates(lang string) (*template.Template, error) {
	var t *template.Template
	funcs := template.FuncMap{
		"md":       md,
		"cell":     cell,
		"quote":    mdQuote,
		"request":  func(r string) string { return requestWords[cases.Right(r)] },
		"sentence": sentence,
		"include": func(name string, data any) (string, error) {
			var b bytes.Buffer
			if err := t.ExecuteTemplate(&b, name, data); err != nil {
				return "", err
			}
			return b.String(), nil
		},
	}
	t = template.New(lang).Funcs(funcs).Option("missingkey=error")
	return t.ParseFS(templateFS, "templates/"+lang+"/*.md.tmpl")
}

// renderMarkdown writes letter.md.
func renderMarkdown(lang string, d *letterData) ([]byte, error) {
	t, err := markdownTemplates(lang)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, d.Kind+".md.tmpl", d); err != nil {
		return nil, fmt.Errorf("letter %s: %w", d.Kind, err)
	}
	return tidy(b.Bytes()), nil
}

// tidy keeps at most one blank line between blocks and ends the file with
// one newline, so that template whitespace never shows.
func tidy(src []byte) []byte {
	lines := strings.Split(string(src), "\n")
	var out []string
	blank := true
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			if !blank {
				out = append(out, "")
			}
			blank = true
			continue
		}
		out = append(out, l)
		blank = false
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return []byte(strings.Join(out, "\n") + "\n")
}

//go:embed layout.html.tmpl
var layoutSource string

// layout and recordTemplate are parsed on first use, not in the package's
// init: every rightsdesk process ran it, `list` and `note` too.
var layout = sync.OnceValue(func() *htmltemplate.Template {
	return htmltemplate.Must(htmltemplate.New("layout").Parse(layoutSource))
})

// lazyRegexp is a pattern compiled on its first use (outsideEEA and
// insideEEA are long case-blind alternations).
func lazyRegexp(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}

// renderHTML lays the Markdown letter's blocks out as a self-contained
// printable A4 page; html/template escapes every piece of text.
func renderHTML(lang string, d *letterData, letterMD []byte) ([]byte, error) {
	blocks := ParseMarkdown(string(letterMD))
	title := "Letter"
	for _, b := range blocks {
		if b.Kind == "h1" && !strings.HasPrefix(plain(b.Lines[0]), "DRAFT") {
			title = plain(b.Lines[0])
			break
		}
	}
	var b bytes.Buffer
	if err := layout().Execute(&b, htmlLetter{Lang: lang, Title: title, Draft: d.Draft, Blocks: blocks}); err != nil {
		return nil, fmt.Errorf("letter %s: %w", d.Kind, err)
	}
	return b.Bytes(), nil
}

func plain(spans []Span) string {
	var b strings.Builder
	for _, s := range spans {
		b.WriteString(s.Text)
	}
	return b.String()
}

package reports

import (
	"bytes"
	"encoding/json"
	"html/template"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

var indexTmpl = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>faultline: {{.Name}} {{.Verdict}}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:70em;color:#222;padding:0 1em}
.verdict{font-size:2.4em;font-weight:700;padding:.3em .6em;border-radius:.3em;display:inline-block;color:#fff}
.valid{background:#2e7d32}.invalid{background:#c62828}.unknown{background:#ef6c00}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
.small{color:#666;font-size:.9em}
</style></head><body>
<div class="verdict {{.Verdict}}">{{.Verdict}}</div>
<h1>{{.Name}}</h1>
<p class="small">{{.Dir}}</p>
<h2>Checkers</h2>
<table><tr><th>checker</th><th>verdict</th><th>explanation</th></tr>
{{range .Checkers}}<tr><td>{{.Name}}</td><td><span class="{{.Verdict}}" style="color:#fff;padding:0 .4em">{{.Verdict}}</span></td><td>{{.Summary}}{{if .Timeline}} — <a href="timeline.html">timeline</a>{{end}}</td></tr>
{{end}}</table>
<h2>Configuration</h2>
<table>{{range .Config}}<tr><th>{{.K}}</th><td><code>{{.V}}</code></td></tr>{{end}}</table>
<h2>Operations</h2>
<table><tr><th>f</th><th>ok</th><th>fail</th><th>info</th></tr>
{{range .Ops}}<tr><td>{{.F}}</td><td>{{.OK}}</td><td>{{.Fail}}</td><td>{{.Info}}</td></tr>{{end}}</table>
<h2>Faults</h2>
<table><tr><th>time</th><th>fault</th><th>outcome</th><th>value</th></tr>
{{range .Faults}}<tr><td>{{.T}}</td><td>{{.F}}</td><td>{{.Type}}</td><td><code>{{.V}}</code></td></tr>{{end}}</table>
<h2>Files</h2>
<ul>{{range .Files}}<li><a href="{{.}}">{{.}}</a></li>{{end}}</ul>
</body></html>
`))

type kv struct{ K, V string }

type checkerRow struct {
	Name, Summary string
	Verdict       checker.Verdict
	Timeline      bool
}

type opRow struct {
	F              string
	OK, Fail, Info int
}

type faultRow struct{ T, F, Type, V string }

func writeIndex(dir string, h history.History, res checker.Results) error {
	data := struct {
		Name, Dir string
		Verdict   checker.Verdict
		Checkers  []checkerRow
		Config    []kv
		Ops       []opRow
		Faults    []faultRow
		Files     []string
	}{Name: filepath.Base(filepath.Dir(dir)), Dir: dir, Verdict: res.Verdict}
	for _, name := range sortedKeys(res.Checkers) {
		r := res.Checkers[name]
		data.Checkers = append(data.Checkers, checkerRow{Name: name, Verdict: r.Verdict, Summary: r.Summary,
			Timeline: name == "linearizable" && exists(filepath.Join(dir, "timeline.html"))})
	}
	if b, err := os.ReadFile(filepath.Join(dir, "test.json")); err == nil {
		var m map[string]any
		if json.Unmarshal(b, &m) == nil {
			for _, k := range sortedKeys(m) {
				v, _ := json.Marshal(m[k])
				data.Config = append(data.Config, kv{k, string(v)})
			}
		}
	}
	ops := map[string]*opRow{}
	for _, op := range h {
		if op.IsNemesis() {
			if op.Type != history.Invoke {
				data.Faults = append(data.Faults, faultRow{T: time.Duration(op.Time).Round(time.Millisecond).String(),
					F: op.F, Type: string(op.Type), V: string(op.Value) + op.Error})
			}
			continue
		}
		r := ops[op.F]
		if r == nil {
			r = &opRow{F: op.F}
			ops[op.F] = r
		}
		switch op.Type {
		case history.OK:
			r.OK++
		case history.Fail:
			r.Fail++
		case history.Info:
			r.Info++
		}
	}
	for _, f := range sortedKeys(ops) {
		data.Ops = append(data.Ops, *ops[f])
	}
	for _, f := range []string{"timeline.html", "history.jsonl", "results.json", "test.json", "faultline.log", "nodes/"} {
		if exists(filepath.Join(dir, f)) {
			data.Files = append(data.Files, f)
		}
	}
	var buf bytes.Buffer
	if err := indexTmpl.Execute(&buf, data); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "index.html"), buf.Bytes(), 0o644)
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

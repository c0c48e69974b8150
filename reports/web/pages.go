package web

import "html/template"

var funcs = template.FuncMap{"nemeses": joinNemeses, "prettyTime": prettyTime}

// prettyTime turns 20261126T150518.348 into 2026-11-26 15:05:18 (UTC).
func prettyTime(t string) string {
	if len(t) < 15 {
		return t
	}
	return t[0:4] + "-" + t[4:6] + "-" + t[6:8] + " " + t[9:11] + ":" + t[11:13] + ":" + t[13:15]
}

const style = `<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#222}
header{background:#263238;color:#fff;padding:.8em 1.2em}header h1{margin:0;font-size:1.4em}header .small{color:#cfd8dc}
main{padding:0 1.2em 2em;max-width:90em}
table{border-collapse:collapse;margin:.6em 0;font-size:.93em;width:100%}
td,th{border-bottom:1px solid #e0e0e0;padding:.35em .6em;text-align:left;vertical-align:top}
th{background:#f4f4f4}
tr.valid td:first-child{border-left:6px solid #2e7d32}tr.invalid td:first-child{border-left:6px solid #c62828}
tr.unknown td:first-child,tr.running td:first-child,tr.interrupted td:first-child{border-left:6px solid #ef6c00}
tr.invalid{background:#fff5f5}tr.unknown{background:#fffaf3}
.badge{display:inline-block;color:#fff;padding:.05em .5em;border-radius:.25em;font-weight:700;font-size:.85em;text-transform:uppercase}
.badge.valid{background:#2e7d32}.badge.invalid{background:#c62828}.badge.unknown,.badge.running{background:#ef6c00}.badge.interrupted{background:#795548}
form{margin:1em 0;display:flex;flex-wrap:wrap;gap:1em;align-items:end}
label{display:flex;flex-direction:column;font-size:.85em;color:#555}
select{font-size:1em;padding:.2em}
.small{color:#666;font-size:.88em}.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
.summary{color:#555;font-size:.88em;max-width:50em}
a{color:#1565c0}
</style>`

var listTmpl = template.Must(template.New("list").Funcs(funcs).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>faultline runs</title>` + style + `</head><body>
<header><h1>faultline</h1><div class="small">store <span class="mono">{{.Store}}</span> · {{.Total}} entries</div></header>
<main>
<form id="filters" method="get" action="/"><script src="/assets/filters.js" defer></script>
{{range .Selects}}<label>{{.Label}}<select name="{{.Name}}" id="f-{{.Name}}"><option value="">all</option>
{{$v := .Value}}{{range .Options}}<option value="{{.}}"{{if eq . $v}} selected{{end}}>{{.}}</option>{{end}}</select></label>
{{end}}<button type="submit">filter</button>{{if .Filtered}} <a href="/">clear filters</a>{{end}}
</form>
<p class="small">{{range $k, $n := .Counts}}<span class="badge {{$k}}">{{$k}}</span> {{$n}} &nbsp; {{end}}</p>
{{if .Campaigns}}<h2>Campaigns</h2>
<table id="campaigns"><tr><th>verdict</th><th>campaign</th><th>started (UTC)</th><th>report</th></tr>
{{range .Campaigns}}<tr class="{{.Verdict}}"><td><span class="badge {{.Verdict}}">{{.Verdict}}</span></td><td>{{.Name}}</td><td>{{prettyTime .Time}}</td>
<td>{{if .Report}}<a href="/store/{{.Report}}">report</a>{{end}} <a href="/store/{{.Path}}/">files</a></td></tr>
{{end}}</table>{{end}}
<h2>Runs</h2>
<table id="runs"><tr><th>verdict</th><th>test</th><th>started (UTC)</th><th>target</th><th>mode</th><th>workload</th><th>nemesis</th><th>seed</th><th>files</th></tr>
{{range .Runs}}<tr class="run {{.Verdict}}" data-verdict="{{.Verdict}}"><td><span class="badge {{.Verdict}}">{{.Verdict}}</span></td>
<td>{{if .Report}}<a class="report" href="/store/{{.Report}}">{{.Name}}</a>{{else}}{{.Name}}{{end}}{{if .Summary}}<div class="summary">{{.Summary}}</div>{{end}}</td>
<td class="mono">{{prettyTime .Time}}</td><td>{{.Target}}</td><td>{{.Mode}}</td><td>{{.Workload}}</td><td>{{nemeses .Nemeses}}</td><td>{{with .Seed}}{{.}}{{end}}</td>
<td><a href="/store/{{.Path}}/">files</a></td></tr>
{{else}}<tr><td colspan="9">No runs{{if .Filtered}} match these filters{{end}}.</td></tr>{{end}}
</table>
</main></body></html>`))

var dirTmpl = template.Must(template.New("dir").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Name}}</title>` + style + `</head><body>
<header><h1><a href="/" style="color:#fff">faultline</a> · <span class="mono">{{.Name}}</span></h1></header>
<main><ul><li><a href="../">../</a></li>{{range .Items}}<li><a href="{{.Href}}">{{.Name}}</a></li>{{end}}</ul></main></body></html>`))

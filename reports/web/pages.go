package web

import (
	"fmt"
	"html/template"
	"time"
)

var funcs = template.FuncMap{"nemeses": joinNemeses, "prettyTime": prettyTime, "href": storeHref,
	"dur": fmtDuration, "rate": fmtRate, "at": fmtAt, "inc": func(i int) int { return i + 1 }}

// fmtDuration writes seconds as 59.2s, 12m03s or 2h05m; "" for none.
func fmtDuration(s float64) string {
	if s <= 0 {
		return ""
	}
	d := time.Duration(s * 1e9)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", s)
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// fmtRate writes ops per second: 12.5, 1234; "" for none.
func fmtRate(r float64) string {
	switch {
	case r <= 0:
		return ""
	case r < 100:
		return fmt.Sprintf("%.1f", r)
	}
	return fmt.Sprintf("%.0f", r)
}

// fmtAt writes the anomaly's time, seconds since the run started.
func fmtAt(at *float64) string {
	if at == nil {
		return ""
	}
	return fmt.Sprintf("%.3fs", *at)
}

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
.summary{color:#555;font-size:.88em;max-width:50em}.note{color:#8d6e63;font-size:.88em}
.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.anomaly{color:#c62828;font-weight:600}
input[type=search]{font-size:1em;padding:.2em;min-width:14em}
nav.pages{margin:.8em 0}nav.pages a,nav.pages span{margin-right:.5em}nav.pages .current{font-weight:700}
.live{background:#fff3e0;border-left:6px solid #ef6c00;padding:.5em .8em;margin:1em 0}
a{color:#1565c0}
</style>`

// pagerTmpl is the links to the listing's other pages.
const pagerTmpl = `{{define "pager"}}{{if gt .Pages 1}}<nav class="pages">page {{.Page}} of {{.Pages}} ·
{{if .Prev}}<a rel="prev" href="{{.Prev}}">newer</a>{{end}}
{{range .Links}}{{if .Gap}}<span>…</span>{{else if .Current}}<span class="current">{{.Page}}</span>{{else}}<a href="{{.Href}}">{{.Page}}</a>{{end}}
{{end}}{{if .Next}}<a rel="next" href="{{.Next}}">older</a>{{end}}</nav>{{end}}{{end}}`

var listTmpl = template.Must(template.New("list").Funcs(funcs).Parse(pagerTmpl + `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>faultline runs</title>` + style + `</head><body>
<header><h1>faultline</h1><div class="small">store <span class="mono">{{.Store}}</span> · {{.Total}} entries · <a href="/files/" style="color:#cfd8dc">files</a></div></header>
<main>
<form id="filters" method="get" action="/"><script src="/assets/filters.js" defer></script>
<label>test name<input type="search" name="q" id="f-q" value="{{.Query}}" placeholder="search"></label>
{{range .Selects}}<label>{{.Label}}<select name="{{.Name}}" id="f-{{.Name}}"><option value="">all</option>
{{$v := .Value}}{{range .Options}}<option value="{{.}}"{{if eq . $v}} selected{{end}}>{{.}}</option>{{end}}</select></label>
{{end}}<button type="submit">filter</button>{{if .Filtered}} <a href="/">clear filters</a>{{end}}
</form>
<p class="small">{{.Matched}} {{if .Filtered}}match{{else}}in all{{end}}{{if .Matched}}, {{.Pager.From | inc}}–{{.Pager.To}} shown{{end}} · {{range $k, $n := .Counts}}<span class="badge {{$k}}">{{$k}}</span> {{$n}} &nbsp; {{end}}</p>
{{template "pager" .Pager}}
{{if .Campaigns}}<h2>Campaigns</h2>
<table id="campaigns"><tr><th>verdict</th><th>campaign</th><th>started (UTC)</th><th>report</th></tr>
{{range .Campaigns}}<tr class="{{.Verdict}}"><td><span class="badge {{.Verdict}}">{{.Verdict}}</span></td><td>{{.Name}}</td><td>{{prettyTime .Time}}</td>
<td>{{if .Report}}<a href="{{href "/store/" .Report}}">report</a>{{end}} <a href="{{href "/files/" .Path}}/">files</a></td></tr>
{{end}}</table>{{end}}
<h2>Runs</h2>
<table id="runs"><tr><th>verdict</th><th>test · headline</th><th>started (UTC)</th><th class="num">duration</th><th class="num">ops/s</th><th class="num">anomaly at</th><th>target</th><th>mode</th><th>workload</th><th>nemesis</th><th>seed</th><th>files</th></tr>
{{range .Runs}}<tr class="run {{.Verdict}}" data-verdict="{{.Verdict}}" data-path="{{.Path}}"><td><span class="badge {{.Verdict}}">{{.Verdict}}</span></td>
<td>{{if .Report}}<a class="report" href="{{href "/store/" .Report}}">{{.Name}}</a>{{else}}<a class="live-run" href="{{href "/store/" .Path}}/">{{.Name}}</a>{{end}}{{if .Headline}}<div class="summary headline">{{.Headline}}</div>{{end}}{{if and .Note (ne .Note .Headline)}}<div class="note">{{.Note}}</div>{{end}}</td>
<td class="mono">{{prettyTime .Time}}</td><td class="num duration">{{dur .Duration}}</td><td class="num rate"{{if .ClientOps}} title="{{.ClientOps}} client ops"{{end}}>{{rate .OpsPerSec}}</td><td class="num anomaly">{{at .AnomalyAt}}</td>
<td>{{.Target}}</td><td>{{.Mode}}</td><td>{{.Workload}}</td><td>{{nemeses .Nemeses}}</td><td>{{with .Seed}}{{.}}{{end}}</td>
<td><a class="files" href="{{href "/files/" .Path}}/">files</a></td></tr>
{{else}}<tr><td colspan="12">No runs{{if .Filtered}} match these filters{{end}}{{if gt .Pager.Page 1}} on this page{{end}}.</td></tr>{{end}}
</table>
{{template "pager" .Pager}}
</main></body></html>`))

var dirTmpl = template.Must(template.New("dir").Funcs(funcs).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">{{if .Refresh}}<meta http-equiv="refresh" content="{{.Refresh}}">{{end}}<title>{{.Name}}</title>` + style + `</head><body>
<header><h1><a href="/" style="color:#fff">faultline</a> · <span class="mono">{{.Name}}</span></h1></header>
<main>
{{with .Run}}<p><span class="badge {{.Verdict}}" id="verdict">{{.Verdict}}</span> <strong>{{.Name}}</strong> · started {{prettyTime .Time}} UTC{{with dur .Duration}} · ran {{.}}{{end}}{{with rate .OpsPerSec}} · {{.}} ops/s{{end}}{{with at .AnomalyAt}} · <span class="anomaly">anomaly at {{.}}</span>{{end}}</p>
{{if .Headline}}<p class="summary headline">{{.Headline}}</p>{{end}}
<p>{{if .Report}}<a class="report" href="{{href "/store/" .Report}}">the run's report</a> · {{end}}<a href="{{href "/files/" .Path}}/">the run's files</a> · <a href="/?q={{.Name}}">runs of this test</a></p>{{end}}
{{if .Refresh}}<p class="live" id="live">This run is still running: this page reloads every {{.Refresh}} s until it finishes.</p>{{end}}
<table id="files"><tr><th>name</th><th class="num">size</th><th>modified (UTC)</th></tr>
{{with .Parent}}<tr><td><a href="{{.}}">../</a></td><td></td><td></td></tr>{{end}}
{{range .Items}}<tr class="{{.Kind}}"><td class="mono">{{if .Href}}<a href="{{.Href}}">{{.Name}}{{if eq .Kind "dir"}}/{{end}}</a>{{else}}{{.Name}} <span class="small">({{.Kind}}, not followed)</span>{{end}}</td>
<td class="num"{{if .Size}} title="{{.Bytes}} bytes"{{end}}>{{.Size}}</td><td class="mono">{{.Mod}}</td></tr>
{{else}}<tr><td colspan="3">Empty.</td></tr>{{end}}
</table>
{{if .More}}<p class="note">Only the first {{len .Items}} entries are listed.</p>{{end}}
</main></body></html>`))

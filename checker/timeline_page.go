package checker

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"sort"
	"strconv"
	"strings"
)

// finishPage writes porcupine's page with faultline's changes: the times
// in its data in seconds since the run started (the ops' tooltips show
// them; an op that never returned says so instead of showing the end of
// time), a note saying what is drawn in part and what is drawn aside,
// right after <body>, and a script that opens the page at the first error
// or anomaly marker (a constant script: the server allows inline scripts
// by their hashes).
func finishPage(w io.Writer, page []byte, endOfTime int64, plan *timelinePlan, ti TimelineInfo) error {
	page = rewriteTimes(page, `"OriginalStart":"`, endOfTime)
	page = rewriteTimes(page, `"OriginalEnd":"`, endOfTime)
	script := openAtErrorScript
	if plan.openAtMark() {
		script = openAtMarkScript
	}
	body := bytes.Index(page, []byte("<body>"))
	end := bytes.LastIndex(page, []byte("</body>"))
	if body < 0 || end < body {
		_, err := w.Write(page)
		return err
	}
	body += len("<body>")
	for _, part := range [][]byte{page[:body], []byte(timelineNote(ti)), page[body:end], []byte("<script>" + script + "</script>\n"), page[end:]} {
		if _, err := w.Write(part); err != nil {
			return err
		}
	}
	return nil
}

// rewriteTimes replaces each time after field (porcupine writes it as a
// JSON string of decimal nanoseconds) with its reading in seconds. A JSON
// string holds no unescaped quote, so field (which has them) only ever
// matches a real field name.
func rewriteTimes(page []byte, field string, endOfTime int64) []byte {
	var out bytes.Buffer
	out.Grow(len(page) + len(page)/8)
	f := []byte(field)
	for {
		i := bytes.Index(page, f)
		if i < 0 {
			out.Write(page)
			return out.Bytes()
		}
		i += len(f)
		out.Write(page[:i])
		page = page[i:]
		j := bytes.IndexByte(page, '"')
		if j < 0 {
			continue
		}
		ns, err := strconv.ParseInt(string(page[:j]), 10, 64)
		if err != nil {
			continue // not porcupine's: left as it is
		}
		if ns >= endOfTime {
			out.WriteString("never returned (outcome unknown)")
		} else {
			out.WriteString(seconds(ns))
		}
		page = page[j:]
	}
}

// seconds writes a time (ns since the run started) in seconds to the
// microsecond, with at least three decimals: "12.345 s", "0.000120 s".
func seconds(ns int64) string {
	sign := ""
	if ns < 0 {
		sign, ns = "-", -ns
	}
	us := ns / 1000
	if ns%1000 >= 500 {
		us++
	}
	s := fmt.Sprintf("%d.%06d", us/1_000_000, us%1_000_000)
	for strings.HasSuffix(s, "0") && len(s)-strings.IndexByte(s, '.') > 4 {
		s = s[:len(s)-1]
	}
	return sign + s + " s"
}

// timelineNote says, in the page, which keys are drawn in part and which
// ops are drawn aside; empty when everything drawn is whole.
func timelineNote(ti TimelineInfo) string {
	var parts []string
	keys := make([]string, 0, len(ti.Windows))
	for k := range ti.Windows {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w := ti.Windows[k]
		who := fmt.Sprintf("Key %q", k)
		if k == "" {
			who = "The history"
		}
		s := fmt.Sprintf("%s has too many ops to draw whole: drawn are %s. A window is not searched for a linearization (it starts mid-history, from a state the model cannot know): the verdict is the checker's, over the whole history.", who, w)
		if w.Focused {
			s += " The op at fault is marked " + strings.TrimSpace(anomalyMark) + " on the \"anomaly\" row, and the page opens there."
		}
		parts = append(parts, s)
	}
	if ti.Aside > 0 {
		s := fmt.Sprintf("%s the check leaves out (fails, which did not happen, and ops whose outcome cannot change the verdict) drawn on their process's row, named by their outcome (\"fail: ...\")", nouns(ti.Aside, "client op"))
		if ti.AsideLeftOut > 0 {
			s += fmt.Sprintf("; %d more are not drawn", ti.AsideLeftOut)
		}
		parts = append(parts, s+".")
	}
	if len(parts) == 0 {
		return ""
	}
	return `<div id="faultline-timeline-note" style="font-family:system-ui,sans-serif;padding:.2em 1em .6em">` +
		html.EscapeString(strings.Join(parts, " ")) + ` Ops whose outcome is unknown say so: "(info)". Times are seconds since the run started.</div>`
}

// openAtErrorScript clicks porcupine's "jump to first error" once the
// page is drawn, or, when there is no error, scrolls to the first anomaly
// marker; openAtMarkScript tries them the other way round. Neither holds
// anything from the history.
const (
	openAtErrorScript = `(function () { ` + openAtHelpers + ` jump() || mark() })()`
	openAtMarkScript  = `(function () { ` + openAtHelpers + ` mark() || jump() })()`
	openAtHelpers     = `function jump() {
  var j = document.getElementById('jump-link')
  if (!j || j.classList.contains('inactive')) { return false }
  j.dispatchEvent(new MouseEvent('click'))
  return true
}
function mark() {
  var texts = document.querySelectorAll('#canvas text')
  for (var i = 0; i < texts.length; i++) {
    if (texts[i].textContent.indexOf('` + anomalyMark + `') === 0) {
      texts[i].scrollIntoView({block: 'nearest', inline: 'center'})
      return true
    }
  }
  return false
}`
)

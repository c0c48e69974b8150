package cli

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// The transcript tests: testdata/script/*.txt read like shell sessions and
// run in-process through Main. The format is documented in
// testdata/script/README.md.

var rewrite = flag.Bool("rewrite", false, "rewrite the [exit N] lines and the exact (1| 2| 1- 2-) lines of testdata/script/*.txt from the actual output")

// externalTestdata is the repository's testdata/external, seen from this package.
const externalTestdata = "../testdata/external"

func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/script/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no scripts in testdata/script")
	}
	external, err := filepath.Abs(externalTestdata)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		f, err := filepath.Abs(f) // the script runs in its own working directory
		if err != nil {
			t.Fatal(err)
		}
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			runScript(t, f, external)
		})
	}
}

// expect kinds of a script line after a command.
const (
	kExit = iota
	kExact
	kEmpty
	kContains
	kNotContains
	kOther // comment or blank line, kept as is
)

type scriptLine struct {
	kind   int
	stream int // 1 stdout, 2 stderr
	text   string
	raw    string
}

type block struct {
	lineNo int    // 1-based line of the $ command
	cmd    string // the command line without "$ "
	lines  []scriptLine
}

type script struct {
	header []string // lines before the first command
	blocks []*block
	files  []string // the raw file sections ("-- NAME --" onwards)
}

func parseScript(t *testing.T, path string, data []byte) *script {
	s := &script{}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	var cur *block
	for i, l := range lines {
		if isFileMarker(l) {
			s.files = lines[i:]
			break
		}
		if cmd, ok := strings.CutPrefix(l, "$ "); ok {
			cur = &block{lineNo: i + 1, cmd: cmd}
			s.blocks = append(s.blocks, cur)
			continue
		}
		if cur == nil {
			if strings.TrimSpace(l) != "" && !strings.HasPrefix(l, "#") {
				t.Fatalf("%s:%d: %q before the first $ command", path, i+1, l)
			}
			s.header = append(s.header, l)
			continue
		}
		cur.lines = append(cur.lines, parseExpect(t, path, i+1, l))
	}
	return s
}

func parseExpect(t *testing.T, path string, n int, l string) scriptLine {
	sl := scriptLine{raw: l, kind: kOther}
	switch {
	case strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#"):
		return sl
	case strings.HasPrefix(l, "[exit ") && strings.HasSuffix(l, "]"):
		sl.kind, sl.text = kExit, strings.TrimSuffix(strings.TrimPrefix(l, "[exit "), "]")
		if _, err := strconv.Atoi(sl.text); err != nil {
			t.Fatalf("%s:%d: bad exit line %q", path, n, l)
		}
		return sl
	case len(l) >= 2 && (l[0] == '1' || l[0] == '2'):
		sl.stream = int(l[0] - '0')
		text := strings.TrimPrefix(l[2:], " ")
		switch l[1] {
		case '|':
			sl.kind, sl.text = kExact, text
			return sl
		case '-':
			if len(l) == 2 {
				sl.kind = kEmpty
				return sl
			}
		case '~':
			sl.kind, sl.text = kContains, text
			return sl
		case '!':
			sl.kind, sl.text = kNotContains, text
			return sl
		}
	}
	t.Fatalf("%s:%d: cannot read %q (see testdata/script/README.md)", path, n, l)
	return sl
}

func isFileMarker(l string) bool {
	return strings.HasPrefix(l, "-- ") && strings.HasSuffix(l, " --") && len(l) > 6
}

// writeFiles writes the "-- NAME --" sections into dir, with vars expanded.
func writeFiles(t *testing.T, dir string, sections []string, vars *strings.Replacer) {
	var name string
	var body []string
	flush := func() {
		if name == "" {
			return
		}
		data := ""
		if len(body) > 0 {
			data = vars.Replace(strings.Join(body, "\n") + "\n")
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range sections {
		if isFileMarker(l) {
			flush()
			name, body = strings.TrimSpace(l[3:len(l)-3]), nil
			continue
		}
		body = append(body, l)
	}
	flush()
}

func runScript(t *testing.T, path, external string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := parseScript(t, path, data)

	work := t.TempDir()
	if real, err := filepath.EvalSymlinks(work); err == nil {
		work = real
	}
	t.Setenv("FAULTLINE_HOME", filepath.Join(work, ".faultline-home"))
	t.Chdir(work)
	port := freePort(t)
	vars := strings.NewReplacer("$WORK", work, "$EXTERNAL", external, "$PORT", port)
	normal := strings.NewReplacer(work, "$WORK", external, "$EXTERNAL", "127.0.0.1:"+port, "127.0.0.1:$PORT")
	writeFiles(t, work, s.files, vars)

	for _, b := range s.blocks {
		where := fmt.Sprintf("%s:%d", path, b.lineNo)
		words := splitWords(t, where, b.cmd, vars)
		switch words[0] {
		case "keygen":
			if len(words) != 2 {
				t.Fatalf("%s: usage: keygen FILE", where)
			}
			writeKey(t, words[1])
			continue
		case "faultline":
		default:
			t.Fatalf("%s: unknown command %q (faultline or keygen)", where, words[0])
		}
		var stdout, stderr bytes.Buffer
		code := Main(words[1:], &stdout, &stderr)
		out, errOut := normal.Replace(stdout.String()), normal.Replace(stderr.String())
		checkInvariants(t, where, code, out, errOut)
		checkBlock(t, where, b, code, out, errOut)
		if *rewrite {
			rewriteBlock(b, code, out, errOut)
		}
	}
	if *rewrite {
		var buf strings.Builder
		for _, l := range s.header {
			buf.WriteString(l + "\n")
		}
		for _, b := range s.blocks {
			buf.WriteString("$ " + b.cmd + "\n")
			for _, l := range b.lines {
				buf.WriteString(l.raw + "\n")
			}
		}
		for _, l := range s.files {
			buf.WriteString(l + "\n")
		}
		if buf.String() != string(data) {
			if err := os.WriteFile(path, []byte(buf.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("rewrote %s", path)
		}
	}
}

// checkInvariants holds for every command: no panic or Go stack trace, no
// usage dump on an error, bad input is one line on stderr, a harness error
// ends with faultline's own one-line message.
func checkInvariants(t *testing.T, where string, code int, out, errOut string) {
	t.Helper()
	for _, bad := range []string{"panic:", "goroutine ", ".go:"} {
		if strings.Contains(errOut, bad) {
			t.Errorf("%s: stderr holds %q (a stack trace?):\n%s", where, bad, errOut)
		}
	}
	if code != 0 && (strings.Contains(out, "Usage:") || strings.Contains(errOut, "Usage:")) {
		t.Errorf("%s: exit %d with a usage dump:\nstdout:\n%s\nstderr:\n%s", where, code, out, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
	switch code {
	case ExitBadInput:
		if len(lines) != 1 || !strings.HasPrefix(lines[0], "faultline: ") {
			t.Errorf("%s: exit 254 but stderr is not one line \"faultline: ...\":\n%s", where, errOut)
		}
	case ExitHarness:
		if !strings.HasPrefix(lines[len(lines)-1], "faultline: ") {
			t.Errorf("%s: exit 255 but stderr does not end with \"faultline: ...\":\n%s", where, errOut)
		}
	}
}

func checkBlock(t *testing.T, where string, b *block, code int, out, errOut string) {
	t.Helper()
	streams := [3]string{"", out, errOut}
	var exact [3][]string
	var exactMode [3]bool
	sawExit := false
	for _, l := range b.lines {
		switch l.kind {
		case kExit:
			sawExit = true
			if want, _ := strconv.Atoi(l.text); want != code && !*rewrite {
				t.Errorf("%s: $ %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", where, b.cmd, code, want, out, errOut)
			}
		case kExact:
			exactMode[l.stream] = true
			exact[l.stream] = append(exact[l.stream], l.text)
		case kEmpty:
			exactMode[l.stream] = true
		case kContains:
			if !strings.Contains(streams[l.stream], l.text) {
				t.Errorf("%s: $ %s: %s does not contain %q:\n%s", where, b.cmd, streamName(l.stream), l.text, streams[l.stream])
			}
		case kNotContains:
			if strings.Contains(streams[l.stream], l.text) {
				t.Errorf("%s: $ %s: %s contains %q:\n%s", where, b.cmd, streamName(l.stream), l.text, streams[l.stream])
			}
		}
	}
	if !sawExit && !*rewrite {
		t.Errorf("%s: $ %s: no [exit N] line (run with -rewrite to add it)", where, b.cmd)
	}
	if *rewrite {
		return
	}
	for s := 1; s <= 2; s++ {
		if !exactMode[s] {
			continue
		}
		want := strings.Join(exact[s], "\n")
		if len(exact[s]) > 0 {
			want += "\n"
		}
		if streams[s] != want {
			t.Errorf("%s: $ %s: %s differs (run with -rewrite if the change is intended)\ngot:\n%s\nwant:\n%s", where, b.cmd, streamName(s), streams[s], want)
		}
	}
}

// rewriteBlock replaces the exit line and the exact lines of b with the
// actual output; contains/not-contains lines and comments stay. A block
// without any expectation gets exact lines for both streams.
func rewriteBlock(b *block, code int, out, errOut string) {
	var exactMode [3]bool
	hasExpect := false
	for _, l := range b.lines {
		if l.kind == kExact || l.kind == kEmpty {
			exactMode[l.stream] = true
		}
		if l.kind != kOther && l.kind != kExit {
			hasExpect = true
		}
	}
	if !hasExpect {
		exactMode[1], exactMode[2] = true, true
	}
	gen := []scriptLine{{kind: kExit, raw: fmt.Sprintf("[exit %d]", code)}}
	for s, text := range [3]string{"", out, errOut} {
		if s == 0 || !exactMode[s] {
			continue
		}
		if text == "" {
			gen = append(gen, scriptLine{kind: kEmpty, stream: s, raw: fmt.Sprintf("%d-", s)})
			continue
		}
		for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
			gen = append(gen, scriptLine{kind: kExact, stream: s, raw: strings.TrimRight(fmt.Sprintf("%d| %s", s, l), " ")})
		}
	}
	var kept []scriptLine
	for _, l := range b.lines {
		if l.kind != kExit && l.kind != kExact && l.kind != kEmpty {
			kept = append(kept, l)
		}
	}
	// Trailing blank lines stay after the generated lines.
	var lead, trail []scriptLine
	i := len(kept)
	for i > 0 && kept[i-1].kind == kOther && strings.TrimSpace(kept[i-1].raw) == "" {
		i--
	}
	lead, trail = kept[:i], kept[i:]
	b.lines = append(append(gen, lead...), trail...)
}

func streamName(s int) string {
	if s == 1 {
		return "stdout"
	}
	return "stderr"
}

// splitWords splits a command line like a shell would, simply: words are
// separated by spaces, '...' and "..." group, $WORK $EXTERNAL $PORT are
// expanded, and an unquoted word with * or ? is globbed.
func splitWords(t *testing.T, where, line string, vars *strings.Replacer) []string {
	var words []string
	var cur strings.Builder
	inWord, quoted, glob := false, false, false
	var quote byte
	end := func() {
		if !inWord {
			return
		}
		w := vars.Replace(cur.String())
		if glob && !quoted {
			m, err := filepath.Glob(w)
			if err != nil || len(m) == 0 {
				t.Fatalf("%s: %q matches no file", where, w)
			}
			words = append(words, m...)
		} else {
			words = append(words, w)
		}
		cur.Reset()
		inWord, quoted, glob = false, false, false
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, inWord, quoted = c, true, true
		case c == ' ' || c == '\t':
			end()
		default:
			if c == '*' || c == '?' {
				glob = true
			}
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		t.Fatalf("%s: unterminated %c quote in %q", where, quote, line)
	}
	end()
	if len(words) == 0 {
		t.Fatalf("%s: empty command", where)
	}
	return words
}

// freePort returns a loopback TCP port where nothing listens: it listens,
// notes the port and closes.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	return port
}

// writeKey writes a fresh ed25519 private key in OpenSSH format.
func writeKey(t *testing.T, path string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	blk, err := ssh.MarshalPrivateKey(priv, "faultline cli test")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(blk), 0o600); err != nil {
		t.Fatal(err)
	}
}

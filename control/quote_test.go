package control

import (
	"errors"
	"fmt"
	"math/rand"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestQuoteArgTable(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "''"},
		{"plain", "plain"},
		{"/opt/faultline/bin-1.2_x", "/opt/faultline/bin-1.2_x"},
		{"key=value:a,b@c+d", "key=value:a,b@c+d"},
		{"two words", "'two words'"},
		{"it's", `'it'\''s'`},
		{"'", `''\'''`},
		{"$(id)", "'$(id)'"},
		{"`id`", "'`id`'"},
		{"a;b", "'a;b'"},
		{"a\nb", "'a\nb'"},
		{"*", "'*'"},
		{"~", "'~'"},
		{`\`, `'\'`},
		{`"`, `'"'`},
		{"#", "'#'"},
		{"é", "'é'"},
		{"-n", "-n"},
	} {
		if got := QuoteArg(tc.in); got != tc.want {
			t.Errorf("QuoteArg(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	if got := Quote([]string{"echo", "a b", ""}); got != "'echo' 'a b' ''" {
		t.Errorf("Quote = %s", got)
	}
	// The first word is never an assignment or a reserved word.
	for _, w := range []string{"A=b", "if", "{", "!"} {
		if got := Quote([]string{w}); got != "'"+w+"'" {
			t.Errorf("Quote([%q]) = %s, want it single-quoted", w, got)
		}
	}
}

// unquote is the oracle: a deliberately naive reader of the POSIX shell
// words Quote may produce (bare safe characters, single quotes, and a
// backslash before a quote). Anything else a shell would treat as syntax
// is an error.
func unquote(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("unterminated single quote")
			}
			cur.WriteString(line[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '\\':
			if i+1 >= len(line) || line[i+1] != '\'' {
				return nil, fmt.Errorf("bare backslash at %d", i)
			}
			cur.WriteByte('\'')
			i++
			inWord = true
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_./=:,@+", c) >= 0:
			cur.WriteByte(c)
			inWord = true
		default:
			return nil, fmt.Errorf("unquoted %q at %d", c, i)
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// naiveQuote quotes every byte, the dumbest correct way: each byte in its
// own single quotes, a single quote as \'.
func naiveQuote(argv []string) string {
	var b strings.Builder
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		if a == "" {
			b.WriteString("''")
		}
		for j := 0; j < len(a); j++ {
			if a[j] == '\'' {
				b.WriteString(`\'`)
			} else {
				b.WriteString("'" + a[j:j+1] + "'")
			}
		}
	}
	return b.String()
}

func randomArgv(rng *rand.Rand) []string {
	const alphabet = "aZ09 -_./=:,@+'\"\\$`();&|<>*?[]{}~#!%^\n\t\x01\xff"
	argv := make([]string, 1+rng.Intn(4))
	for i := range argv {
		b := make([]byte, rng.Intn(8))
		for j := range b {
			b[j] = alphabet[rng.Intn(len(alphabet))]
		}
		argv[i] = string(b)
	}
	return argv
}

func TestQuoteAgreesWithNaiveOracle(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 20000; i++ {
		argv := randomArgv(rng)
		got, err := unquote(Quote(argv))
		if err != nil || !slices.Equal(got, argv) {
			t.Fatalf("Quote(%q) = %s, reads back as %q, %v", argv, Quote(argv), got, err)
		}
		naive, err := unquote(naiveQuote(argv))
		if err != nil || !slices.Equal(naive, got) {
			t.Fatalf("oracles disagree on %q: %q vs %q (%v)", argv, naive, got, err)
		}
	}
}

func FuzzQuoteArg(f *testing.F) {
	for _, s := range []string{"", "'", "a b", "$(x)", "\\'", "'''"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := unquote(Quote([]string{"x", s}))
		if err != nil || len(got) != 2 || got[1] != s {
			t.Fatalf("QuoteArg(%q) = %s reads back as %q, %v", s, QuoteArg(s), got, err)
		}
	})
}

// Real shells must agree too: dash (sh) and bash, if present.
func TestQuoteThroughRealShells(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	var cases [][]string
	for i := 0; i < 200; i++ {
		cases = append(cases, randomArgv(rng))
	}
	cases = append(cases, []string{"'$(touch /tmp/faultline-pwned)'", "a;b", "*", "~root", "$HOME", "\n"})
	ran := 0
	for _, shell := range []string{"sh", "bash"} {
		if _, err := exec.LookPath(shell); err != nil {
			continue
		}
		ran++
		for _, argv := range cases {
			out, err := exec.Command(shell, "-c", `printf '%s\0' `+Quote(argv)).Output()
			if err != nil {
				t.Fatalf("%s: %q: %v", shell, argv, err)
			}
			got := strings.Split(string(out), "\x00")
			got = got[:len(got)-1]
			if !slices.Equal(got, argv) {
				t.Fatalf("%s: sent %q, got %q", shell, argv, got)
			}
		}
	}
	if ran == 0 {
		t.Fatal("no shell found")
	}
}

package control

import "strings"

// QuoteArg quotes one argument for a POSIX shell: it is wrapped in single
// quotes, and each single quote inside becomes '\”. Every byte other than
// the single quote is literal inside single quotes, so no value (spaces, $(),
// ;, newlines, globs, NUL aside) can become syntax.
func QuoteArg(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '-' || r == '_' || r == '.' || r == '/' || r == '=' || r == ':' || r == ',' || r == '@' || r == '+')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Quote joins argv into one shell command line, each argument quoted. The
// first word is always single-quoted, so that it can never be read as an
// assignment (A=b) or a reserved word (if, {, !).
func Quote(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = QuoteArg(a)
	}
	if len(argv) > 0 && !strings.HasPrefix(q[0], "'") {
		q[0] = "'" + q[0] + "'"
	}
	return strings.Join(q, " ")
}

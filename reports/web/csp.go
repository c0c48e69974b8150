package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// maxHashedPage is the largest HTML file whose inline scripts serve
// hashes into its policy (a timeline of 20,000 ops is a few MB); a larger
// page is served with no inline script allowed.
const maxHashedPage = 64 << 20

// csp is the Content-Security-Policy of a response: nothing loaded from
// elsewhere, inline styles allowed, scripts only from this server or
// inline blocks whose hashes are given (never inline handlers).
func csp(hashes []string) string {
	script := "'self'"
	for _, h := range hashes {
		script += " 'sha256-" + h + "'"
	}
	return "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src " + script + "; connect-src 'self'"
}

// scriptHashes returns the base64 SHA-256 of the text of every inline
// <script> block of page (one with no src), as CSP hashes them.
func scriptHashes(page []byte) []string {
	var out []string
	lower := bytes.ToLower(page)
	for i := 0; ; {
		j := bytes.Index(lower[i:], []byte("<script"))
		if j < 0 {
			return out
		}
		start := i + j
		gt := bytes.IndexByte(lower[start:], '>')
		if gt < 0 {
			return out
		}
		tag := string(lower[start : start+gt])
		body := start + gt + 1
		end := bytes.Index(lower[body:], []byte("</script"))
		if end < 0 {
			return out
		}
		if !strings.Contains(tag, " src=") && !strings.Contains(tag, " src ") {
			sum := sha256.Sum256(page[body : body+end])
			out = append(out, base64.StdEncoding.EncodeToString(sum[:]))
		}
		i = body + end
	}
}

// clip shortens a request's text for an error reply.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

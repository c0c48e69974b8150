package history

import "unicode/utf8"

// invalidText returns the offset of the first byte of b that is not valid
// UTF-8, or of the first \u escape that is a lone UTF-16 surrogate (a high
// one not followed by a low one, or a low one alone), or -1. Either would
// be decoded as U+FFFD and merge distinct strings.
func invalidText(b []byte) int {
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 {
				return i
			}
			i += n
		case c == '\\' && i+1 < len(b):
			if b[i+1] != 'u' {
				i += 2
				continue
			}
			u, ok := hex4(b, i+2)
			switch {
			case !ok:
				i += 2 // not an escape encoding/json accepts: its own error
			case u >= 0xd800 && u < 0xdc00:
				if i+11 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
					if l, ok := hex4(b, i+8); ok && l >= 0xdc00 && l < 0xe000 {
						i += 12
						continue
					}
				}
				return i
			case u >= 0xdc00 && u < 0xe000:
				return i
			default:
				i += 6
			}
		default:
			i++
		}
	}
	return -1
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

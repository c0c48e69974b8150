package api

import "errors"

// ErrMismatch is wrapped by the error a CAS returns when the register did
// not hold the expected old value: the op definitely did not happen.
var ErrMismatch = errors.New("cas mismatch")

// ErrDefinite is wrapped by errors that prove an op did not happen: the
// request was refused before it was sent, or the server rejected it.
var ErrDefinite = errors.New("definitely not applied")

// Definite is the default classification of a client error: true (the op
// did not happen) for ErrMismatch and ErrDefinite, false (it may have)
// for everything else.
func Definite(err error) bool {
	return errors.Is(err, ErrMismatch) || errors.Is(err, ErrDefinite)
}

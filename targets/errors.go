package targets

import "errors"

// ErrUnknownMode is wrapped by Modes.Lookup for a name that is not a mode.
var ErrUnknownMode = errors.New("targets: unknown mode")

// ErrInvalid is wrapped by Target.Validate for a malformed description.
var ErrInvalid = errors.New("targets: invalid target")

// ErrBadOption is wrapped by Deploy's error when a target option's value
// (or its default) cannot be used: a binary that does not exist, a port
// that is not a number. The CLI exits 254 with the error.
var ErrBadOption = errors.New("targets: bad option")

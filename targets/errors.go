package targets

import "errors"

// ErrUnknownMode is wrapped by Modes.Lookup for a name that is not a mode.
var ErrUnknownMode = errors.New("targets: unknown mode")

// ErrInvalid is wrapped by Target.Validate for a malformed description.
var ErrInvalid = errors.New("targets: invalid target")

package dummy

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"

	"github.com/faultline/faultline/control"
)

// Call is one recorded Run.
type Call struct {
	Argv  []string
	Sudo  bool
	Dir   string
	Stdin []byte // all of Cmd.Stdin, read by Run
}

// String is the call as a shell line, with "sudo " in front when Sudo.
func (c Call) String() string {
	s := control.Quote(c.Argv)
	if c.Sudo {
		s = "sudo " + s
	}
	return s
}

// Transfer is one recorded Upload or Download.
type Transfer struct {
	Local, Path string
	Mode        os.FileMode // uploads
	Data        []byte      // the bytes moved
}

// Handler answers a command that no prefix matched.
type Handler func(Call) (control.Result, error)

type response struct {
	prefix []string
	res    control.Result
	err    error
}

// Remote records and answers. It is safe for concurrent use.
type Remote struct {
	node string

	mu        sync.Mutex
	responses []response
	handler   Handler
	calls     []Call
	uploads   []Transfer
	downloads []Transfer
	files     map[string]fileData
	closed    bool
}

type fileData struct {
	data []byte
	mode os.FileMode
}

var _ control.Remote = (*Remote)(nil)

// New returns a Remote named node that answers every command with success.
func New(node string) *Remote {
	return &Remote{node: node, files: map[string]fileData{}}
}

// On programs the answer to commands whose argv starts with prefix (an
// empty prefix matches all). The longest matching prefix wins; among equal
// ones, the latest. A non-zero res.ExitCode is returned as *control.ExitError.
func (r *Remote) On(prefix []string, res control.Result) *Remote {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.responses = append(r.responses, response{prefix: slices.Clone(prefix), res: res})
	return r
}

// OnError programs an error (e.g. one wrapping control.ErrTransport) for
// commands whose argv starts with prefix.
func (r *Remote) OnError(prefix []string, err error) *Remote {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.responses = append(r.responses, response{prefix: slices.Clone(prefix), err: err, res: control.Result{ExitCode: -1}})
	return r
}

// Handle sets the answer for commands no prefix matches.
func (r *Remote) Handle(h Handler) *Remote {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handler = h
	return r
}

// Node names the node.
func (r *Remote) Node() string { return r.node }

// Close marks the Remote closed; later calls fail.
func (r *Remote) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	return nil
}

// Closed reports whether Close was called.
func (r *Remote) Closed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

// Run records cmd and returns the programmed answer.
func (r *Remote) Run(ctx context.Context, cmd control.Cmd) (control.Result, error) {
	call := Call{Argv: slices.Clone(cmd.Argv), Sudo: cmd.Sudo, Dir: cmd.Dir}
	if cmd.Stdin != nil {
		b, err := io.ReadAll(cmd.Stdin)
		if err != nil {
			return control.Result{ExitCode: -1}, fmt.Errorf("dummy: %s: reading stdin: %w", r.node, err)
		}
		call.Stdin = b
	}
	if err := ctx.Err(); err != nil {
		return control.Result{ExitCode: -1}, fmt.Errorf("dummy: %s: %s: %w", r.node, call, err)
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return control.Result{ExitCode: -1}, fmt.Errorf("dummy: %s: run after Close", r.node)
	}
	if len(cmd.Argv) == 0 {
		r.mu.Unlock()
		return control.Result{ExitCode: -1}, fmt.Errorf("dummy: %s: empty argv", r.node)
	}
	r.calls = append(r.calls, call)
	best := -1
	for i, resp := range r.responses {
		if hasPrefix(cmd.Argv, resp.prefix) && (best < 0 || len(resp.prefix) >= len(r.responses[best].prefix)) {
			best = i
		}
	}
	handler := r.handler
	var res control.Result
	var err error
	if best >= 0 {
		res, err = r.responses[best].res, r.responses[best].err
	}
	r.mu.Unlock()

	if best < 0 && handler != nil {
		res, err = handler(call)
	}
	res.Stdout, res.Stderr = slices.Clone(res.Stdout), slices.Clone(res.Stderr)
	if err == nil && res.ExitCode != 0 {
		err = &control.ExitError{Node: r.node, Argv: call.Argv, Code: res.ExitCode, Stderr: string(res.Stderr)}
	}
	return res, err
}

func hasPrefix(argv, prefix []string) bool {
	return len(prefix) <= len(argv) && slices.Equal(argv[:len(prefix)], prefix)
}

// Upload records the transfer and keeps the file's bytes under path.
func (r *Remote) Upload(ctx context.Context, local, path string, mode os.FileMode) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("dummy: %s: upload %s: %w", r.node, path, err)
	}
	data, err := os.ReadFile(local)
	if err != nil {
		return fmt.Errorf("dummy: %s: upload %s to %s: %w", r.node, local, path, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return fmt.Errorf("dummy: %s: upload after Close", r.node)
	}
	r.uploads = append(r.uploads, Transfer{Local: local, Path: path, Mode: mode, Data: data})
	r.files[path] = fileData{data: data, mode: mode}
	return nil
}

// Download writes the bytes uploaded to (or set with SetFile for) path to
// local; an unknown path is an error wrapping os.ErrNotExist.
func (r *Remote) Download(ctx context.Context, path, local string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("dummy: %s: download %s: %w", r.node, path, err)
	}
	r.mu.Lock()
	f, ok := r.files[path]
	closed := r.closed
	if ok && !closed {
		r.downloads = append(r.downloads, Transfer{Local: local, Path: path, Data: f.data})
	}
	r.mu.Unlock()
	switch {
	case closed:
		return fmt.Errorf("dummy: %s: download after Close", r.node)
	case !ok:
		return fmt.Errorf("dummy: %s: download %s: %w", r.node, path, os.ErrNotExist)
	}
	if err := os.WriteFile(local, f.data, f.mode.Perm()|0o200); err != nil {
		return fmt.Errorf("dummy: %s: download %s to %s: %w", r.node, path, local, err)
	}
	return nil
}

// SetFile puts a file on the node, for Download.
func (r *Remote) SetFile(path string, data []byte, mode os.FileMode) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files[path] = fileData{data: slices.Clone(data), mode: mode}
}

// File returns the bytes at path (uploaded or set), if any.
func (r *Remote) File(path string) ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, ok := r.files[path]
	return slices.Clone(f.data), ok
}

// Calls returns the recorded commands in order.
func (r *Remote) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// Commands returns the recorded commands as lines (see Call.String), handy
// for comparing with an expected script.
func (r *Remote) Commands() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.calls))
	for i, c := range r.calls {
		out[i] = c.String()
	}
	return out
}

// Uploads returns the recorded uploads in order.
func (r *Remote) Uploads() []Transfer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.uploads)
}

// Downloads returns the recorded downloads in order.
func (r *Remote) Downloads() []Transfer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.downloads)
}

// Reset forgets the recorded calls and transfers; responses and files stay.
func (r *Remote) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls, r.uploads, r.downloads = nil, nil, nil
}

// ErrInjected is a ready-made transport error for OnError.
var ErrInjected = fmt.Errorf("dummy: injected: %w", control.ErrTransport)

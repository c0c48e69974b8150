package ssh

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	"github.com/faultline/faultline/control"
	"github.com/pkg/sftp"
)

// Upload copies local to dst on the node atomically: it writes
// dst.tmp-<random> in the same directory (created if missing), sets mode,
// reads the copy back to verify its SHA-256, and renames it over dst
// (posix-rename). When the login user may not write there and is not root,
// the file goes to /tmp first and is moved into place with sudo -n mv.
func (r *Remote) Upload(ctx context.Context, local, dst string, mode os.FileMode) error {
	fail := func(err error) error {
		return wrapTransfer(fmt.Sprintf("control/ssh: %s: upload %s to %s", r.cfg.Node, local, dst), err)
	}
	f, err := os.Open(local)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	err = r.withSFTP(ctx, func(sc *sftp.Client) error {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		return put(ctx, sc, f, dst, mode)
	})
	if errors.Is(err, os.ErrPermission) && r.cfg.User != "root" {
		err = r.uploadSudo(ctx, f, dst, mode)
	}
	if err != nil {
		return fail(err)
	}
	return nil
}

// uploadSudo stages the file in /tmp, then moves it with sudo: first next to
// dst (mv may copy across file systems), then over dst (a rename).
func (r *Remote) uploadSudo(ctx context.Context, f io.ReadSeeker, dst string, mode os.FileMode) error {
	staged := "/tmp/faultline-upload-" + randomSuffix()
	err := r.withSFTP(ctx, func(sc *sftp.Client) error {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		return put(ctx, sc, f, staged, mode)
	})
	if err != nil {
		return err
	}
	script := `mkdir -p -- "$1" && mv -f -- "$2" "$3" && mv -f -- "$3" "$4"`
	mid := dst + ".tmp-" + randomSuffix()
	_, err = r.Run(ctx, control.Cmd{Sudo: true, Argv: []string{"sh", "-c", script, "sh", path.Dir(dst), staged, mid, dst}})
	if err != nil {
		r.withSFTP(context.WithoutCancel(ctx), func(sc *sftp.Client) error { return sc.Remove(staged) })
		r.Run(context.WithoutCancel(ctx), control.Cmd{Sudo: true, Argv: []string{"rm", "-f", "--", mid}})
		return fmt.Errorf("with sudo: %w", err)
	}
	return nil
}

// put writes src to dst through a temporary file, verified and renamed.
func put(ctx context.Context, sc *sftp.Client, src io.Reader, dst string, mode os.FileMode) (err error) {
	if err := sc.MkdirAll(path.Dir(dst)); err != nil {
		return fmt.Errorf("create directory %s: %w", path.Dir(dst), err)
	}
	tmp := dst + ".tmp-" + randomSuffix()
	w, err := sc.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	defer func() {
		if err != nil {
			sc.Remove(tmp)
		}
	}()
	h := sha256.New()
	_, err = w.ReadFrom(io.TeeReader(ctxReader{ctx, src}, h))
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := sc.Chmod(tmp, mode); err != nil {
		return fmt.Errorf("chmod %s: %w", tmp, err)
	}
	got, err := remoteSHA256(ctx, sc, tmp)
	if err != nil {
		return fmt.Errorf("read back %s: %w", tmp, err)
	}
	if want := h.Sum(nil); !bytes.Equal(got, want) {
		return fmt.Errorf("checksum mismatch on %s: sent sha256 %x, node has %x", tmp, want, got)
	}
	if err := sc.PosixRename(tmp, dst); err != nil {
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	return nil
}

func remoteSHA256(ctx context.Context, sc *sftp.Client, p string) ([]byte, error) {
	f, err := sc.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx, f}); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// Download copies src on the node to local, through a temporary file next to
// local that is renamed into place; local's directory is created if missing.
// A file the login user may not read is read with sudo -n cat.
func (r *Remote) Download(ctx context.Context, src, local string) error {
	fail := func(err error) error {
		return wrapTransfer(fmt.Sprintf("control/ssh: %s: download %s to %s", r.cfg.Node, src, local), err)
	}
	if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
		return fail(err)
	}
	err := r.withSFTP(ctx, func(sc *sftp.Client) error {
		rf, err := sc.Open(src)
		if err != nil {
			return err
		}
		defer rf.Close()
		perm := os.FileMode(0o644)
		if st, err := rf.Stat(); err == nil {
			if st.IsDir() {
				return fmt.Errorf("%s is a directory", src)
			}
			perm = st.Mode().Perm()
		}
		return writeLocal(local, ctxReader{ctx, rf}, perm)
	})
	if errors.Is(err, os.ErrPermission) && r.cfg.User != "root" {
		var res control.Result
		res, err = r.Run(ctx, control.Cmd{Sudo: true, Argv: []string{"cat", "--", src}})
		if err == nil {
			err = writeLocal(local, bytes.NewReader(res.Stdout), 0o644)
		}
	}
	if err != nil {
		return fail(err)
	}
	return nil
}

// writeLocal writes local atomically: temporary file, fsync, rename.
func writeLocal(local string, src io.Reader, perm os.FileMode) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(local), "."+filepath.Base(local)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = io.Copy(tmp, src); err != nil {
		return err
	}
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), local)
}

// withSFTP runs op with the connection's SFTP client, starting it (and
// dialing) as needed. op runs in its own goroutine so that a cancelled ctx
// returns at once even when the server stalls; op's reads check ctx and stop.
// op must be idempotent: after a transport failure it runs once more, on a
// new connection (transfers are: they end in an atomic rename).
func (r *Remote) withSFTP(ctx context.Context, op func(*sftp.Client) error) error {
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		var sc *sftp.Client
		var c *conn
		sc, c, err = withConn(ctx, r, "start sftp", func(ctx context.Context, c *conn) (*sftp.Client, error) {
			return c.sftpClient(ctx)
		})
		if err != nil {
			return err
		}
		done := make(chan error, 1)
		go func() { done <- op(sc) }()
		select {
		case err = <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if err == nil || !r.sftpBroken(c, sc, err) {
			return err
		}
		err = transportErr(fmt.Sprintf("connection to %s lost: %v", r.cfg.addr(), err), err)
	}
	return err
}

// sftpBroken tells whether err came from a lost connection or SFTP server
// rather than from the file system, and if so drops what is broken.
func (r *Remote) sftpBroken(c *conn, sc *sftp.Client, err error) bool {
	var status *sftp.StatusError
	if errors.As(err, &status) || errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
		return false // the server answered
	}
	if !c.alive() {
		c.kill()
		c.dropSFTP(sc)
		return true
	}
	if errors.Is(err, sftp.ErrSSHFxConnectionLost) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		c.dropSFTP(sc) // the SFTP server went away; the connection is fine
		return true
	}
	return false
}

// dropSFTP forgets a broken SFTP client so the next transfer starts another.
func (c *conn) dropSFTP(sc *sftp.Client) {
	c.sftpMu.Lock()
	defer c.sftpMu.Unlock()
	if c.sftp == sc {
		c.sftp = nil
		sc.Close()
	}
}

// ctxReader stops a copy when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func randomSuffix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// wrapTransfer prefixes err with what was being done, keeping its class:
// transport errors still wrap control.ErrTransport.
func wrapTransfer(prefix string, err error) error {
	if isTransport(err) {
		return transportErr(prefix+": "+err.Error(), err)
	}
	return fmt.Errorf("%s: %w", prefix, err)
}

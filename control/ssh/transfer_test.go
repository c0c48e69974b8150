package ssh

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/control"
)

func TestUploadDownloadRoundTrip(t *testing.T) {
	s := startSSHD(t)
	r := s.dial(t)
	ctx := context.Background()
	data := make([]byte, 3<<20+17)
	rand.Read(data)
	local := filepath.Join(t.TempDir(), "payload")
	if err := os.WriteFile(local, data, 0o600); err != nil {
		t.Fatal(err)
	}
	remoteDir := filepath.Join(t.TempDir(), "new dir", "sub") // parents do not exist yet
	dst := filepath.Join(remoteDir, "bin$(id)")
	if err := r.Upload(ctx, local, dst, 0o751); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	res, err := r.Run(ctx, control.Cmd{Argv: []string{"sha256sum", dst}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(string(res.Stdout))[0]; got != hex.EncodeToString(sum[:]) {
		t.Errorf("remote sha256 %s, want %x", got, sum)
	}
	if out, err := control.Exec(ctx, r, false, "stat", "-c", "%a", dst); err != nil || out != "751\n" {
		t.Errorf("mode %q, %v; want 751", out, err)
	}

	// Overwrite: replaced atomically by a new file, no temporary left.
	small := filepath.Join(t.TempDir(), "small")
	os.WriteFile(small, []byte("v2\n"), 0o600)
	if err := r.Upload(ctx, small, dst, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := control.Exec(ctx, r, false, "cat", dst); err != nil || out != "v2\n" {
		t.Errorf("after overwrite: %q, %v", out, err)
	}
	entries, err := os.ReadDir(remoteDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "bin$(id)" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("remote dir holds %q, want only the target (a tmp file left behind?)", names)
	}

	// Download the first payload back.
	if err := r.Upload(ctx, local, dst, 0o640); err != nil {
		t.Fatal(err)
	}
	back := filepath.Join(t.TempDir(), "fetched", "nodes", "n1", "payload")
	if err := r.Download(ctx, dst, back); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(back)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("download: %d bytes, want %d identical", len(got), len(data))
	}
	if st, _ := os.Stat(back); st.Mode().Perm() != 0o640 {
		t.Errorf("downloaded mode %v, want 0640", st.Mode().Perm())
	}
	if entries, _ := os.ReadDir(filepath.Dir(back)); len(entries) != 1 {
		t.Errorf("local dir holds %d entries, want 1 (tmp file left?)", len(entries))
	}
}

func TestTransferErrors(t *testing.T) {
	s := startSSHD(t)
	r := s.dial(t)
	ctx := context.Background()
	missing := filepath.Join(t.TempDir(), "missing")
	err := r.Download(ctx, missing, filepath.Join(t.TempDir(), "x"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "n1") || errors.Is(err, control.ErrTransport) {
		t.Errorf("download of a missing file: %v", err)
	}
	err = r.Upload(ctx, missing, "/tmp/x", 0o644)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("upload of a missing local file: %v", err)
	}
	// A directory where the file should go: the rename fails, and the
	// temporary file is removed.
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "occupied"), 0o755)
	os.WriteFile(filepath.Join(dir, "occupied", "x"), nil, 0o644)
	src := filepath.Join(t.TempDir(), "src")
	os.WriteFile(src, []byte("data"), 0o644)
	if err := r.Upload(ctx, src, filepath.Join(dir, "occupied"), 0o644); err == nil {
		t.Error("upload over a non-empty directory succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("dir holds %d entries after a failed upload, want 1", len(entries))
	}
}

// The SFTP client is rebuilt after the connection is lost.
func TestUploadAfterReconnect(t *testing.T) {
	s := startSSHD(t)
	r := s.dial(t)
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "src")
	os.WriteFile(src, []byte("one"), 0o644)
	dst := filepath.Join(t.TempDir(), "dst")
	if err := r.Upload(ctx, src, dst, 0o644); err != nil {
		t.Fatal(err)
	}
	r.cur.client.Close()
	os.WriteFile(src, []byte("two"), 0o644)
	if err := r.Upload(ctx, src, dst, 0o644); err != nil {
		t.Fatalf("upload after the connection was closed: %v", err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "two" {
		t.Errorf("got %q", b)
	}
}

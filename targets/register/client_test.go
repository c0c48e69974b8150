package register_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/targets/register"
)

// TestClientClassifiesErrors checks that the client maps each way a request
// can fail to definite or indeterminate.
func TestClientClassifiesErrors(t *testing.T) {
	cases := []struct {
		name     string
		handler  http.HandlerFunc
		definite bool
		mismatch bool
	}{
		{"409 mismatch", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(409)
			w.Write([]byte(`{"error":"no","definite":true}`))
		}, true, true},
		{"503 definite", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(503)
			w.Write([]byte(`{"error":"no quorum","definite":true}`))
		}, true, false},
		{"500 indeterminate", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(500)
			w.Write([]byte(`{"error":"accept unacknowledged","definite":false}`))
		}, false, false},
		{"502 from a proxy, no verdict", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(502)
		}, false, false},
		{"connection dropped after the request was sent", func(w http.ResponseWriter, r *http.Request) {
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
		}, false, false},
		{"timeout", func(w http.ResponseWriter, r *http.Request) {
			io.ReadAll(r.Body) // so that the server notices the client leaving
			<-r.Context().Done()
		}, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			c := register.NewClient(srv.URL, 200*time.Millisecond)
			defer c.Close()
			one := int64(1)
			err := c.CAS(context.Background(), "k", &one, 2)
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, register.ErrDefinite); got != tc.definite {
				t.Errorf("definite = %v, want %v (%v)", got, tc.definite, err)
			}
			if got := errors.Is(err, register.ErrIndeterminate); got == tc.definite {
				t.Errorf("indeterminate = %v, want %v (%v)", got, !tc.definite, err)
			}
			if got := errors.Is(err, register.ErrCASMismatch); got != tc.mismatch {
				t.Errorf("mismatch = %v, want %v (%v)", got, tc.mismatch, err)
			}
			// The harness's own sentinels say the same (api.Definite).
			if got := errors.Is(err, api.ErrDefinite); got != tc.definite {
				t.Errorf("api.ErrDefinite = %v, want %v (%v)", got, tc.definite, err)
			}
			if got := errors.Is(err, api.ErrMismatch); got != tc.mismatch {
				t.Errorf("api.ErrMismatch = %v, want %v (%v)", got, tc.mismatch, err)
			}
		})
	}

	// Connection refused: never sent, definite.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := register.NewClient(url, time.Second)
	defer c.Close()
	if err := c.Write(context.Background(), "k", 1); !errors.Is(err, register.ErrDefinite) {
		t.Fatalf("connection refused: %v, want definite", err)
	}
}

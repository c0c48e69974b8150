package httpapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/targets/httpapi"
)

// TestDoClassifies: each way a request can fail is definite only if the
// request cannot have taken effect.
func TestDoClassifies(t *testing.T) {
	reply := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			w.Write([]byte(body))
		}
	}
	cas := httpapi.Options{DefiniteStatus: []int{409, 400, 404, 405}}
	cases := []struct {
		name     string
		opts     httpapi.Options
		handler  http.HandlerFunc
		definite bool
		status   int
	}{
		{"503 with a definite verdict", httpapi.Options{}, reply(503, `{"error":"no quorum","definite":true}`), true, 503},
		{"500 with an indeterminate verdict", httpapi.Options{}, reply(500, `{"error":"accept unacknowledged","definite":false}`), false, 500},
		{"502 from a proxy, no verdict", httpapi.Options{}, reply(502, ""), false, 502},
		{"418 with no verdict: a client error", httpapi.Options{}, reply(418, "teapot"), true, 418},
		{"409 listed as definite overrides the body", cas, reply(409, `{"error":"mismatch","definite":false}`), true, 409},
		{"409 not listed keeps the body's verdict", httpapi.Options{DefiniteStatus: []int{400}}, reply(409, `{"error":"x","definite":false}`), false, 409},
		{"200 that does not decode", httpapi.Options{}, reply(200, "{not json"), false, 200},
		{"connection dropped after the request was sent", httpapi.Options{}, func(w http.ResponseWriter, r *http.Request) {
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
		}, false, 0},
		{"timeout", httpapi.Options{}, func(w http.ResponseWriter, r *http.Request) {
			io.ReadAll(r.Body)
			<-r.Context().Done()
		}, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			c := httpapi.NewClient(srv.URL+"/", 200*time.Millisecond, tc.opts)
			defer c.Close()
			var out struct{ V int }
			f := c.Do(context.Background(), http.MethodPost, c.Base()+"/x", map[string]int{"v": 1}, &out)
			if f == nil {
				t.Fatal("no failure")
			}
			if f.Definite != tc.definite || f.Status != tc.status {
				t.Errorf("got %+v, want definite %v status %d", f, tc.definite, tc.status)
			}
		})
	}
}

func TestDoNotSentIsDefinite(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := httpapi.NewClient(url, time.Second, httpapi.Options{})
	defer c.Close()
	if f := c.Do(context.Background(), http.MethodGet, url+"/x", nil, nil); f == nil || !f.Definite || f.Status != 0 {
		t.Fatalf("connection refused: %+v, want a definite failure with no status", f)
	}
	if f := c.Do(context.Background(), http.MethodGet, "gopher://x/", nil, nil); f == nil || !f.Definite {
		t.Fatalf("unsupported scheme: %+v, want definite", f)
	}
	if f := c.Do(context.Background(), http.MethodPost, url, func() {}, nil); f == nil || !f.Definite {
		t.Fatalf("unencodable body: %+v, want definite", f)
	}
}

func TestDoDecodesOK(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(400)
			return
		}
		w.Write([]byte(`{"v":7}`))
	}))
	defer srv.Close()
	c := httpapi.NewClient(srv.URL, time.Second, httpapi.Options{})
	defer c.Close()
	var out struct {
		V int `json:"v"`
	}
	if f := c.Do(context.Background(), http.MethodPost, srv.URL, struct{}{}, &out); f != nil || out.V != 7 {
		t.Fatalf("Do = %+v, out %+v; want nil and v 7", f, out)
	}
}

// TestSentinelsWrap: a target's sentinels carry their own text and wrap
// the harness's, and a Failure unwraps to the sentinel of its verdict.
func TestSentinelsWrap(t *testing.T) {
	base := errors.New("base")
	definite := httpapi.Sentinel("t: definite", base)
	mismatch := httpapi.Sentinel("t: mismatch", definite)
	s := httpapi.Sentinels{Definite: definite, Indeterminate: httpapi.Sentinel("t: maybe"), Mismatch: mismatch}
	if definite.Error() != "t: definite" || !errors.Is(mismatch, base) {
		t.Fatalf("sentinels %q %q do not wrap", definite, mismatch)
	}
	transport := errors.New("reset")
	for _, tc := range []struct {
		f    httpapi.Failure
		want error
		text string
	}{
		{httpapi.Failure{Status: 409, Definite: true, Msg: "no"}, mismatch, "HTTP 409: no (definitely did not happen)"},
		{httpapi.Failure{Status: 503, Definite: true, Msg: "no quorum"}, definite, "HTTP 503: no quorum (definitely did not happen)"},
		{httpapi.Failure{Msg: "reset", Err: transport}, s.Indeterminate, "reset (indeterminate)"},
	} {
		got := tc.f.Wrapped(s)
		if got[0] != tc.want || tc.f.Err != nil && got[len(got)-1] != transport || tc.f.Text() != tc.text {
			t.Errorf("%+v: wrapped %v text %q, want %v and %q", tc.f, got, tc.f.Text(), tc.want, tc.text)
		}
	}
	if got := (httpapi.Failure{Status: 409}).Wrapped(httpapi.Sentinels{Definite: definite, Indeterminate: s.Indeterminate}); got[0] != s.Indeterminate {
		t.Errorf("a 409 with no Mismatch sentinel and no verdict wrapped %v", got)
	}
}

func TestNewSentinels(t *testing.T) {
	s := httpapi.NewSentinels("t", true)
	if s.Definite.Error() != "t: operation definitely did not happen" || !errors.Is(s.Definite, api.ErrDefinite) {
		t.Errorf("definite %q does not wrap api.ErrDefinite", s.Definite)
	}
	if errors.Is(s.Indeterminate, api.ErrDefinite) {
		t.Errorf("indeterminate %q wraps api.ErrDefinite", s.Indeterminate)
	}
	if !errors.Is(s.Mismatch, s.Definite) || !errors.Is(s.Mismatch, api.ErrMismatch) || !errors.Is(s.Mismatch, api.ErrDefinite) {
		t.Errorf("mismatch %q does not wrap definite and api.ErrMismatch", s.Mismatch)
	}
	if httpapi.NewSentinels("q", false).Mismatch != nil {
		t.Error("a target without cas has a mismatch sentinel")
	}
}

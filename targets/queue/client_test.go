package queue_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/targets/queue"
)

// TestClientErrorsWrapAPISentinels: a definite failure matches both the
// queue's ErrDefinite and api.ErrDefinite, an indeterminate one neither.
func TestClientErrorsWrapAPISentinels(t *testing.T) {
	for _, tc := range []struct {
		status   int
		body     string
		definite bool
	}{
		{503, `{"error":"not proposed","definite":true}`, true},
		{500, `{"error":"proposed, not decided","definite":false}`, false},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tc.status)
			w.Write([]byte(tc.body))
		}))
		c := queue.NewClient(srv.URL, time.Second)
		err := c.Enqueue(context.Background(), 1)
		c.Close()
		srv.Close()
		if err == nil {
			t.Fatalf("HTTP %d: no error", tc.status)
		}
		if errors.Is(err, queue.ErrDefinite) != tc.definite || errors.Is(err, api.ErrDefinite) != tc.definite ||
			errors.Is(err, queue.ErrIndeterminate) == tc.definite || api.Definite(err) != tc.definite {
			t.Errorf("HTTP %d: %v, want definite %v (queue's and api's sentinels alike)", tc.status, err, tc.definite)
		}
	}
}

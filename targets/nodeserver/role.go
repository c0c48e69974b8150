package nodeserver

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"

	"github.com/faultline/faultline/targets/httpapi"
)

// Server is what a node daemon's role serves: the HTTP API, and what to
// close once the HTTP server stopped.
type Server interface {
	Handler() http.Handler
	Close() error
}

// ServeRole makes a server with newServer and serves it on ln until ctx is
// done (httpapi.Serve), then closes it. It owns ln: a server that cannot
// be made closes ln and returns newServer's error.
func ServeRole[S Server](ctx context.Context, ln net.Listener, log *slog.Logger, newServer func() (S, error)) error {
	srv, err := newServer()
	if err != nil {
		ln.Close()
		return err
	}
	serr := httpapi.Serve(ctx, ln, srv.Handler(), log)
	return errors.Join(serr, srv.Close())
}

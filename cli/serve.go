package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/faultline/faultline/reports/web"
)

type serveOptions struct {
	listen string
}

func newServeCmd(g *globals) *cobra.Command {
	o := &serveOptions{}
	c := &cobra.Command{
		Use:   "serve",
		Short: "Browse the store's runs and campaigns in a web browser",
		Long: `Serves a web UI over the store (--store, default ./store): every run and
campaign, newest first, 100 to a page, coloured by verdict, searchable by
name and filterable by target, mode, workload, nemesis and verdict; each
row has the run's headline, duration, ops/s and anomaly time. Every run's
report, plots, timeline, history and node logs, and a listing of its files
(/files/...); a running run's listing reloads itself until it ends. It
listens on loopback by default, answers only requests addressed to
loopback or the --listen host, and never serves a file outside the store
(nor a symlink or FIFO inside it). Ctrl-C stops it.`,
		Example: `  faultline serve
  faultline serve --store /var/lib/faultline/store --listen 127.0.0.1:9090`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error { return runServe(c.Context(), g, o) },
	}
	c.Flags().StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to listen on (a non-loopback address exposes the store)")
	return c
}

func runServe(ctx context.Context, g *globals, o *serveOptions) error {
	host, _, err := net.SplitHostPort(o.listen)
	if err != nil {
		return badInput("--listen %q: %v (e.g. 127.0.0.1:8080)", o.listen, err)
	}
	h, err := web.New(g.store)
	if err != nil {
		return badInput("serve: %v (run a test first, or pass --store)", err)
	}
	defer h.Close()
	h.AllowHost(host)
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return badInput("serve: --listen %s: %v", o.listen, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		fmt.Fprintf(g.stderr, "serve: warning: listening on %s, which is not loopback: anyone who can reach it can read the store\n", o.listen)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(g.stderr, "serving %s on http://%s/ (Ctrl-C to stop)\n", g.store, ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

package clustertest

import (
	"net"
	"net/http"
	"sync"
)

// Server is what each target's server has in common: an HTTP API and a
// Close that releases its storage.
type Server interface {
	Handler() http.Handler
	Close() error
}

// Servers is the set of running nodes of an in-process cluster, by id.
// The zero Servers is empty and ready; it is safe for concurrent use.
type Servers[S Server] struct {
	mu      sync.Mutex
	servers map[string]S
	https   map[string]*http.Server
}

// Serve runs srv's handler on ln in the background as node id.
func (s *Servers[S]) Serve(id string, srv S, ln net.Listener) {
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.servers == nil {
		s.servers, s.https = map[string]S{}, map[string]*http.Server{}
	}
	s.servers[id], s.https[id] = srv, hs
}

// Get is node id's server, or the zero S if it is not running.
func (s *Servers[S]) Get(id string) S {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.servers[id]
}

// Kill stops node id abruptly: its listener and connections are closed
// with no drain, then the server is closed. It reports whether the node
// was running, and the server's Close error.
func (s *Servers[S]) Kill(id string) (bool, error) {
	s.mu.Lock()
	srv, hs := s.servers[id], s.https[id]
	delete(s.servers, id)
	delete(s.https, id)
	s.mu.Unlock()
	if hs == nil {
		return false, nil
	}
	hs.Close()
	return true, srv.Close()
}

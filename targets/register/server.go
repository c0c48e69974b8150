package register

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/faultline/faultline/targets/clock"
	"github.com/faultline/faultline/targets/nodeserver"
	"github.com/faultline/faultline/targets/paxos"
)

// codec reads the server's requests and writes its replies.
var codec = nodeserver.Codec{Name: "register", MaxBody: maxRequest}

// Config configures one register node.
type Config struct {
	// ID is this node's name; it must be a key of Peers.
	ID string
	// Peers maps every node of the cluster (this one included) to its
	// host:port. Its size fixes the quorum.
	Peers map[string]string
	// Mode is paxos (default) or naive.
	Mode paxos.Mode
	// DataDir holds the acceptor log.
	DataDir string
	// OpTimeout bounds one client operation, retries included (default 1s).
	OpTimeout time.Duration
	// PeerTimeout bounds one phase of one round (default 500ms).
	PeerTimeout time.Duration
	// MaxAttempts bounds the rounds of one operation (default 8).
	MaxAttempts int
	// Transport reaches the other nodes (default: HTTP to Peers).
	Transport Transport
	// CompactBytes is the log size that triggers compaction (default
	// DefaultCompactBytes).
	CompactBytes int64
	// Logger receives the node's log (discarded when nil).
	Logger *slog.Logger
	// Clock is the node clock served on GET /clock (the system clock when
	// nil). The register makes no decision on time; it only reports it.
	Clock *clock.Clock

	ids []string // sorted node ids
}

// Server is one register node: an acceptor with durable state, a proposer,
// and the HTTP API of api.go.
type Server struct {
	cfg   Config
	log   *slog.Logger
	store *Store
	acc   *acceptor
	prop  *proposer
	mux   *http.ServeMux
}

// New validates cfg, opens the store in cfg.DataDir (replaying it) and
// returns a server ready to serve Handler.
func New(cfg Config) (*Server, error) {
	if cfg.ID == "" {
		return nil, errors.New("register: node id is empty")
	}
	if len(cfg.Peers) == 0 {
		return nil, errors.New("register: no peers (the cluster must list this node at least)")
	}
	if _, ok := cfg.Peers[cfg.ID]; !ok {
		return nil, fmt.Errorf("register: node %q is not among the peers", cfg.ID)
	}
	mode, err := paxos.ParseMode(string(cfg.Mode))
	if err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	cfg.Mode = mode
	if cfg.DataDir == "" {
		return nil, errors.New("register: data dir is empty")
	}
	if cfg.OpTimeout <= 0 {
		cfg.OpTimeout = time.Second
	}
	if cfg.PeerTimeout <= 0 {
		cfg.PeerTimeout = 500 * time.Millisecond
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Transport == nil {
		cfg.Transport = NewHTTPTransport(cfg.Peers)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System()
	}
	cfg.ids = nil
	for id := range cfg.Peers {
		cfg.ids = append(cfg.ids, id)
	}
	slices.Sort(cfg.ids)

	store, err := OpenStore(cfg.DataDir, StoreOptions{CompactBytes: cfg.CompactBytes, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, store: store, acc: newAcceptor(store, cfg.Mode)}
	s.prop = newProposer(s, store.Epoch())
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /register/{key}", s.handleRead)
	s.mux.HandleFunc("PUT /register/{key}", s.handleWrite)
	s.mux.HandleFunc("POST /register/{key}/cas", s.handleCAS)
	s.mux.HandleFunc("GET "+PathHealth, s.handleHealth)
	s.mux.Handle("GET "+PathClock, clock.Handler(cfg.ID, cfg.Clock))
	nodeserver.HandleAcceptor(s.mux, codec, s.acc)
	s.log.Info("register: node ready", "id", cfg.ID, "mode", cfg.Mode, "peers", len(cfg.ids), "epoch", store.Epoch())
	return s, nil
}

// Handler serves the client and peer API.
func (s *Server) Handler() http.Handler { return s.mux }

// Close closes the store. Call it after the HTTP server stopped.
func (s *Server) Close() error { return s.store.Close() }

func (s *Server) handleRead(w http.ResponseWriter, r *http.Request) {
	v, err := s.prop.do(r.Context(), operation{kind: opRead, key: r.PathValue("key")})
	reply(w, v, err)
}

func (s *Server) handleWrite(w http.ResponseWriter, r *http.Request) {
	var body ValueBody
	if err := codec.Decode(r, &body); err != nil {
		codec.WriteError(w, nodeserver.Definite(400, "register: write: %v", err))
		return
	}
	if body.Value == nil {
		codec.WriteError(w, nodeserver.Definite(400, `register: write: body needs {"value": int}`))
		return
	}
	_, err := s.prop.do(r.Context(), operation{kind: opWrite, key: r.PathValue("key"), val: *body.Value})
	reply(w, encodeValue(*body.Value), err)
}

func (s *Server) handleCAS(w http.ResponseWriter, r *http.Request) {
	var body CASBody
	if err := codec.Decode(r, &body); err != nil {
		codec.WriteError(w, nodeserver.Definite(400, "register: cas: %v", err))
		return
	}
	if body.New == nil {
		codec.WriteError(w, nodeserver.Definite(400, `register: cas: body needs {"old": int|null, "new": int}`))
		return
	}
	_, err := s.prop.do(r.Context(), operation{kind: opCAS, key: r.PathValue("key"), val: *body.New, old: body.Old})
	reply(w, encodeValue(*body.New), err)
}

// reply answers an operation: its error, or the value v as a ValueBody.
func reply(w http.ResponseWriter, v []byte, err *nodeserver.Error) {
	if err != nil {
		codec.WriteError(w, err)
		return
	}
	n, derr := decodeValue(v)
	if derr != nil {
		codec.Fail(w, derr)
		return
	}
	codec.WriteJSON(w, http.StatusOK, ValueBody{Value: n})
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	codec.WriteJSON(w, http.StatusOK, Health{Node: s.cfg.ID, Role: "register", Mode: s.cfg.Mode, Epoch: s.store.Epoch(), Keys: s.store.Keys()})
}

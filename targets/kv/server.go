package kv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/faultline/faultline/targets/clock"
	"github.com/faultline/faultline/targets/nodeserver"
	"github.com/faultline/faultline/targets/ring"
)

// codec reads the server's requests and writes its replies.
var codec = nodeserver.Codec{Name: "kv", MaxBody: maxBody}

// Config configures one kv node.
type Config struct {
	// ID is this node's name; it must be a key of Peers.
	ID string
	// Peers maps every node of the cluster (this one included) to its
	// host:port; the ring is built from its keys.
	Peers map[string]string
	// Mode is the consistency mode (ModeQuorum when empty).
	Mode Mode
	// DataDir holds the log.
	DataDir string
	// Clock stamps last-write-wins versions (the system clock when nil).
	Clock *clock.Clock
	// Replicas is the number of replicas per key (default 3).
	Replicas int
	// VNodes is the number of virtual nodes per node (ring.DefaultVNodes).
	VNodes int
	// OpTimeout bounds one client operation (default 1s).
	OpTimeout time.Duration
	// PeerTimeout bounds one peer request or one Paxos phase (default 500ms).
	PeerTimeout time.Duration
	// MaxAttempts bounds the Paxos rounds of one serial op (default 8).
	MaxAttempts int
	// AntiEntropyInterval is the period of the anti-entropy exchange
	// (default 1s; unused in one-no-repair).
	AntiEntropyInterval time.Duration
	// Transport reaches the other nodes (default: HTTP to Peers).
	Transport Transport
	// CompactBytes is the log size that triggers compaction.
	CompactBytes int64
	// Logger receives the node's log (discarded when nil).
	Logger *slog.Logger
}

// Server is one kv node: a store, a coordinator for the mode, the
// anti-entropy loop and the HTTP API of api.go.
type Server struct {
	cfg   Config
	log   *slog.Logger
	store *Store
	ring  *ring.Ring
	clk   *clock.Clock
	repl  replication // the mode's, chosen once in New
	mux   *http.ServeMux

	tsMu   sync.Mutex
	lastTS int64 // the last timestamp this node stamped a write with

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	bgMu   sync.Mutex     // orders bg.Add against Close's bg.Wait
	closed bool           // under bgMu
	bg     sync.WaitGroup // background repair and anti-entropy
}

// New validates cfg, opens the store and starts anti-entropy (when the
// mode repairs). Serve Handler; call Close after the HTTP server stopped.
func New(cfg Config) (*Server, error) {
	if cfg.ID == "" {
		return nil, errors.New("kv: node id is empty")
	}
	if _, ok := cfg.Peers[cfg.ID]; !ok {
		return nil, fmt.Errorf("kv: node %q is not among the peers", cfg.ID)
	}
	mode, err := ParseMode(string(cfg.Mode))
	if err != nil {
		return nil, err
	}
	cfg.Mode = mode
	if cfg.DataDir == "" {
		return nil, errors.New("kv: data dir is empty")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System()
	}
	if cfg.Replicas <= 0 {
		cfg.Replicas = 3
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
	if cfg.AntiEntropyInterval <= 0 {
		cfg.AntiEntropyInterval = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Transport == nil {
		cfg.Transport = NewHTTPTransport(cfg.Peers)
	}
	var ids []string
	for id := range cfg.Peers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	store, err := OpenStore(cfg.DataDir, StoreOptions{CompactBytes: cfg.CompactBytes, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, store: store, ring: ring.New(ids, cfg.VNodes), clk: cfg.Clock}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.repl = newReplication(s, mode)
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /kv/{key}", s.handleRead)
	s.mux.HandleFunc("PUT /kv/{key}", s.handleWrite)
	s.mux.HandleFunc("POST /kv/{key}/cas", s.handleCAS)
	s.mux.HandleFunc("POST /set/{key}", s.handleSetAdd)
	s.mux.HandleFunc("GET /set/{key}", s.handleSetRead)
	s.mux.HandleFunc("GET /local/kv/{key}", s.handleLocalRead)
	s.mux.HandleFunc("GET /local/set/{key}", s.handleLocalSet)
	s.mux.HandleFunc("GET /local/keys", s.handleLocalKeys)
	s.mux.HandleFunc("GET "+PathHealth, s.handleHealth)
	s.mux.Handle("GET "+PathClock, clock.Handler(cfg.ID, cfg.Clock))
	nodeserver.HandleAcceptor(s.mux, codec, acceptor{store})
	s.mux.HandleFunc("POST "+PathGet, s.handlePeerGet)
	s.mux.HandleFunc("POST "+PathPut, s.handlePeerPut)
	s.mux.HandleFunc("POST "+PathSync, s.handlePeerSync)
	if mode.Repairs() {
		s.bg.Add(1)
		go s.antiEntropyLoop()
	}
	s.log.Info("kv: node ready", "id", cfg.ID, "mode", mode, "nodes", len(ids), "replicas", cfg.Replicas, "epoch", store.Epoch(), "clock", cfg.Clock.Path())
	return s, nil
}

// Handler serves the client and peer API.
func (s *Server) Handler() http.Handler { return s.mux }

// Close stops anti-entropy and background repairs and closes the store.
func (s *Server) Close() error {
	s.bgMu.Lock()
	s.closed = true
	s.bgMu.Unlock()
	s.cancel()
	s.bg.Wait()
	return s.store.Close()
}

// replicas is key's replica set.
func (s *Server) replicas(key string) []string { return s.ring.Replicas(key, s.cfg.Replicas) }

// stamp is a last-write-wins version stamp: the node clock, made strictly
// increasing within this process so that two writes of one coordinator
// never share a stamp, and above floor (a session's highest version of
// the key; 0 outside session mode) whatever the clock says.
func (s *Server) stamp(floor int64) int64 {
	now := s.clk.Now().UnixNano()
	s.tsMu.Lock()
	defer s.tsMu.Unlock()
	if now <= s.lastTS && s.lastTS-now < int64(time.Millisecond) {
		now = s.lastTS + 1
	}
	if now <= floor {
		now = floor + 1
	}
	s.lastTS = now
	return now
}

// getOn, putOn: the local store or a peer.
func (s *Server) getOn(ctx context.Context, id string, ref EntryRef) (Entry, error) {
	if id == s.cfg.ID {
		return s.store.Get(ref.Kind, ref.Key)
	}
	return s.cfg.Transport.Get(ctx, id, ref)
}

func (s *Server) putOn(ctx context.Context, id string, entries ...Entry) error {
	if id == s.cfg.ID {
		for _, e := range entries {
			if _, _, err := s.store.Merge(e); err != nil {
				return err
			}
		}
		return nil
	}
	return s.cfg.Transport.Put(ctx, id, PutRequest{Entries: entries})
}

// goBackground runs f unless the server is closing.
func (s *Server) goBackground(f func(ctx context.Context)) {
	s.bgMu.Lock()
	defer s.bgMu.Unlock()
	if s.closed {
		return
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		f(s.ctx)
	}()
}

// --- client handlers ---

// sessionMin is the session's minimum version of the request's key, from
// the query parameters min_ts and min_node (zero when absent). They are
// refused (400) outside session mode, and when malformed.
func (s *Server) sessionMin(r *http.Request, op, key string) (Version, *nodeserver.Error) {
	q := r.URL.Query()
	ts, node := q.Get(QueryMinTS), q.Get(QueryMinNode)
	if ts == "" && node == "" {
		return Version{}, nil
	}
	if !s.cfg.Mode.Session() {
		return Version{}, nodeserver.Definite(400, "kv: %s %q: %s and %s need --mode session (this node runs %s)", op, key, QueryMinTS, QueryMinNode, s.cfg.Mode)
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || n < 0 || n == math.MaxInt64 {
		return Version{}, nodeserver.Definite(400, "kv: %s %q: %s=%q is not a version stamp", op, key, QueryMinTS, ts)
	}
	return Version{TS: n, Node: node}, nil
}

func (s *Server) handleRead(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	min, merr := s.sessionMin(r, "read", key)
	if merr != nil {
		codec.WriteError(w, merr)
		return
	}
	var e Entry
	var err *nodeserver.Error
	if sess, ok := s.repl.(sessioner); ok && s.cfg.Mode.Session() {
		e, err = sess.readSession(r.Context(), key, min)
	} else {
		e, err = s.repl.read(r.Context(), EntryRef{Kind: KindKV, Key: key})
	}
	if err != nil {
		codec.WriteError(w, err)
		return
	}
	var out ValueBody
	if e.Found {
		out.Value = e.Version.Value
		if s.cfg.Mode.Session() {
			out.TS, out.Node = e.Version.TS, e.Version.Node
		}
	}
	codec.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) handleWrite(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	var body ValueBody
	if err := codec.Decode(r, &body); err != nil || body.Value == nil {
		codec.WriteError(w, nodeserver.Definite(400, `kv: write %q: body needs {"value": int}`, key))
		return
	}
	min, merr := s.sessionMin(r, "write", key)
	if merr != nil {
		codec.WriteError(w, merr)
		return
	}
	out := ValueBody{Value: body.Value}
	if sess, ok := s.repl.(sessioner); ok && s.cfg.Mode.Session() {
		ver, err := sess.writeSession(r.Context(), key, *body.Value, min)
		if err != nil {
			codec.WriteError(w, err)
			return
		}
		out.TS, out.Node = ver.TS, ver.Node
	} else if err := s.repl.write(r.Context(), EntryRef{Kind: KindKV, Key: key}, *body.Value); err != nil {
		codec.WriteError(w, err)
		return
	}
	codec.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) handleCAS(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	c, ok := s.repl.(casser)
	if !ok {
		codec.WriteError(w, nodeserver.Definite(400, "kv: cas %q: cas needs --mode serial (this node runs %s)", key, s.cfg.Mode))
		return
	}
	var body CASBody
	if err := codec.Decode(r, &body); err != nil || body.New == nil {
		codec.WriteError(w, nodeserver.Definite(400, `kv: cas %q: body needs {"old": int|null, "new": int}`, key))
		return
	}
	if err := c.cas(r.Context(), key, body.Old, *body.New); err != nil {
		codec.WriteError(w, err)
		return
	}
	codec.WriteJSON(w, http.StatusOK, ValueBody{Value: body.New})
}

func (s *Server) handleSetAdd(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	var body ElementBody
	if err := codec.Decode(r, &body); err != nil || body.Element == nil {
		codec.WriteError(w, nodeserver.Definite(400, `kv: add to set %q: body needs {"element": int}`, key))
		return
	}
	if err := s.repl.write(r.Context(), EntryRef{Kind: KindSet, Key: key}, *body.Element); err != nil {
		codec.WriteError(w, err)
		return
	}
	codec.WriteJSON(w, http.StatusOK, struct{}{})
}

func (s *Server) handleSetRead(w http.ResponseWriter, r *http.Request) {
	e, err := s.repl.read(r.Context(), EntryRef{Kind: KindSet, Key: r.PathValue("key")})
	if err != nil {
		codec.WriteError(w, err)
		return
	}
	codec.WriteJSON(w, http.StatusOK, ElementsBody{Elements: append([]int64{}, e.Elements...)})
}

// --- local (uncoordinated) handlers ---

func (s *Server) handleLocalRead(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	e, err := s.repl.local(EntryRef{Kind: KindKV, Key: key})
	if err != nil {
		codec.WriteError(w, err)
		return
	}
	out := LocalValue{Replica: s.ring.IsReplica(key, s.cfg.ID, s.cfg.Replicas)}
	if e.Found {
		out.Value, out.TS, out.Node = e.Version.Value, e.Version.TS, e.Version.Node
	}
	codec.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) handleLocalSet(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	e, err := s.repl.local(EntryRef{Kind: KindSet, Key: key})
	if err != nil {
		codec.WriteError(w, err)
		return
	}
	codec.WriteJSON(w, http.StatusOK, LocalSet{Elements: append([]int64{}, e.Elements...), Replica: s.ring.IsReplica(key, s.cfg.ID, s.cfg.Replicas)})
}

func (s *Server) handleLocalKeys(w http.ResponseWriter, r *http.Request) {
	out := LocalKeys{KV: []string{}, Set: []string{}}
	for _, kind := range s.repl.kinds() {
		for _, k := range s.store.Keys(kind) {
			switch kind, key := clientKey(kind, k); kind {
			case KindKV:
				out.KV = append(out.KV, key)
			case KindSet:
				out.Set = append(out.Set, key)
			}
		}
	}
	codec.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	codec.WriteJSON(w, http.StatusOK, Health{Node: s.cfg.ID, Role: "kv", Mode: s.cfg.Mode, Epoch: s.store.Epoch(), Replicas: s.cfg.Replicas})
}

// --- peer handlers ---

func (s *Server) handlePeerGet(w http.ResponseWriter, r *http.Request) {
	var ref EntryRef
	if err := codec.Decode(r, &ref); err != nil {
		codec.WriteError(w, nodeserver.Definite(400, "kv: peer get: %v", err))
		return
	}
	e, err := s.store.Get(ref.Kind, ref.Key)
	if err != nil {
		codec.WriteError(w, nodeserver.Indeterminate("kv: peer get %q: %v", ref.Key, err))
		return
	}
	codec.WriteJSON(w, http.StatusOK, e)
}

func (s *Server) handlePeerPut(w http.ResponseWriter, r *http.Request) {
	var req PutRequest
	if err := codec.Decode(r, &req); err != nil {
		codec.WriteError(w, nodeserver.Definite(400, "kv: peer put: %v", err))
		return
	}
	for _, e := range req.Entries {
		if _, _, err := s.store.Merge(e); err != nil {
			codec.WriteError(w, nodeserver.Indeterminate("kv: peer put %q: %v", e.Key, err))
			return
		}
	}
	codec.WriteJSON(w, http.StatusOK, struct{}{})
}

func (s *Server) handlePeerSync(w http.ResponseWriter, r *http.Request) {
	var req SyncRequest
	if err := codec.Decode(r, &req); err != nil {
		codec.WriteError(w, nodeserver.Definite(400, "kv: peer sync: %v", err))
		return
	}
	rep, err := s.answerSync(req)
	if err != nil {
		codec.WriteError(w, nodeserver.Indeterminate("kv: peer sync from %s: %v", req.From, err))
		return
	}
	codec.WriteJSON(w, http.StatusOK, rep)
}

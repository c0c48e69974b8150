package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/faultline/faultline/targets/nodeserver"
	"github.com/faultline/faultline/targets/paxos"
	"github.com/faultline/faultline/targets/wal"
)

// codec reads the server's requests and writes its replies.
var codec = nodeserver.Codec{Name: "queue", MaxBody: maxBody}

// Config configures one queue node.
type Config struct {
	// ID is this node's name; it must be a key of Peers.
	ID string
	// Peers maps every node of the cluster (this one included) to its
	// host:port. Its size fixes the quorum.
	Peers map[string]string
	// Mode is paxos (default) or async-ack.
	Mode Mode
	// DataDir holds the node's log.
	DataDir string
	// OpTimeout bounds one client operation (default 1s).
	OpTimeout time.Duration
	// PeerTimeout bounds one phase of one round (default 500ms).
	PeerTimeout time.Duration
	// Transport reaches the other nodes (default: HTTP to Peers).
	Transport Transport
	// CompactBytes is the log size that triggers a snapshot rewrite
	// (default DefaultCompactBytes).
	CompactBytes int64
	// Window is how many applied slots' decided values stay in memory for
	// lagging peers (default 1024); older ones are served as a snapshot.
	Window int
	// MaxBatch bounds the commands in one slot (default 256).
	MaxBatch int
	// AsyncFlush is how long async-ack mode buffers enqueues before
	// proposing them, on average (default 1s; each wait is drawn from
	// [AsyncFlush/2, 3·AsyncFlush/2)).
	AsyncFlush time.Duration
	// CatchUpInterval is how often a node checks whether it lags (default
	// 200ms).
	CatchUpInterval time.Duration
	// Logger receives the node's log (discarded when nil).
	Logger *slog.Logger

	ids []string // sorted node ids
}

// Server is one queue node: an acceptor per log slot with durable state, a
// proposer that fills the next free slot with a batch of client commands,
// and a learner that applies decided slots in order to a FIFO queue.
type Server struct {
	cfg   Config
	log   *slog.Logger
	wal   *wal.Log
	epoch uint64
	mux   *http.ServeMux

	ballotMu sync.Mutex
	ballots  *paxos.Ballots

	slotLocks [64]sync.Mutex // serialise acceptor steps on a slot (striped)

	mu sync.Mutex
	// slots is the log's deterministic core: acceptor states, decided
	// values, and the queue they are applied to.
	slots    *slotLog
	cur      *proposal
	seq      uint64 // batches proposed this boot
	pending  []*cmd
	buffered []int64 // async-ack: acknowledged, not yet proposed
	// unapplied holds, by ticket, the encoded records whose Append has
	// begun but which are not yet applied to slots (persist: a record is
	// applied only once it is durable).
	// Invariant: every record in the log is reflected in slots or is in
	// unapplied, so a log rewrite, which writes slots' records and then
	// unapplied, loses none (see wal.Log.Rewrite).
	unapplied   map[uint64][][]byte
	ticket      uint64
	compactions int // log rewrites begun (a failed one stops the node's log)

	kick      chan struct{} // work for the proposer
	catchKick chan struct{} // the node lags: catch up now
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
}

// New validates cfg, replays the log in cfg.DataDir, and starts the node's
// proposer, catch-up and (async-ack) flush loops. Serve Handler; call Close
// after the HTTP server stopped.
func New(cfg Config) (*Server, error) {
	if cfg.ID == "" {
		return nil, errors.New("queue: node id is empty")
	}
	if len(cfg.Peers) == 0 {
		return nil, errors.New("queue: no peers (the cluster must list this node at least)")
	}
	if _, ok := cfg.Peers[cfg.ID]; !ok {
		return nil, fmt.Errorf("queue: node %q is not among the peers", cfg.ID)
	}
	mode, err := ParseMode(string(cfg.Mode))
	if err != nil {
		return nil, err
	}
	cfg.Mode = mode
	if cfg.DataDir == "" {
		return nil, errors.New("queue: data dir is empty")
	}
	if cfg.OpTimeout <= 0 {
		cfg.OpTimeout = time.Second
	}
	if cfg.PeerTimeout <= 0 {
		cfg.PeerTimeout = 500 * time.Millisecond
	}
	if cfg.CompactBytes <= 0 {
		cfg.CompactBytes = DefaultCompactBytes
	}
	if cfg.Window <= 0 {
		cfg.Window = 1024
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 256
	}
	if cfg.AsyncFlush <= 0 {
		cfg.AsyncFlush = time.Second
	}
	if cfg.CatchUpInterval <= 0 {
		cfg.CatchUpInterval = 200 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Transport == nil {
		cfg.Transport = NewHTTPTransport(cfg.Peers)
	}
	cfg.ids = nil
	for id := range cfg.Peers {
		cfg.ids = append(cfg.ids, id)
	}
	slices.Sort(cfg.ids)

	s := &Server{cfg: cfg, log: cfg.Logger, kick: make(chan struct{}, 1), catchKick: make(chan struct{}, 1)}
	if err := s.recover(); err != nil {
		return nil, err
	}
	s.ballots = paxos.NewBallots(cfg.ID, s.epoch)
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST "+PathEnqueue, s.handleEnqueue)
	s.mux.HandleFunc("POST "+PathDequeue, s.handleDequeue)
	s.mux.HandleFunc("POST "+PathOutcome, s.handleOutcome)
	s.mux.HandleFunc("GET "+PathHealth, s.handleHealth)
	s.mux.HandleFunc("GET "+PathStats, s.handleStats)
	s.mux.HandleFunc("GET "+PathClock, s.handleClock)
	s.mux.HandleFunc("POST "+PathPrepare, s.handlePrepare)
	s.mux.HandleFunc("POST "+PathAccept, s.handleAccept)
	s.mux.HandleFunc("POST "+PathLearn, s.handleLearn)
	s.mux.HandleFunc("GET "+PathCatchUp, s.handleCatchUp)

	s.log.Info("queue: node ready", "id", cfg.ID, "mode", cfg.Mode, "peers", len(cfg.ids), "epoch", s.epoch, "applied", s.slots.applied)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Add(2)
	go s.proposeLoop()
	go s.catchUpLoop()
	if cfg.Mode == ModeAsyncAck {
		s.wg.Add(1)
		go s.flushLoop()
	}
	return s, nil
}

// Handler serves the client and peer API.
func (s *Server) Handler() http.Handler { return s.mux }

// Close stops the node's loops and closes its log. Buffered async-ack
// enqueues are dropped, exactly as a crash would drop them.
func (s *Server) Close() error {
	s.cancel()
	s.wg.Wait()
	return s.wal.Close()
}

// Epoch is this boot's number (1 on the first start).
func (s *Server) Epoch() uint64 { return s.epoch }

func (s *Server) nextBallot(above paxos.Ballot) paxos.Ballot {
	s.ballotMu.Lock()
	defer s.ballotMu.Unlock()
	return s.ballots.Next(above)
}

func (s *Server) handleEnqueue(w http.ResponseWriter, r *http.Request) {
	var body EnqueueBody
	if err := codec.Decode(r, &body); err != nil {
		codec.WriteError(w, nodeserver.Definite(400, "queue: enqueue: %v", err))
		return
	}
	if body.Value == nil {
		codec.WriteError(w, nodeserver.Definite(400, `queue: enqueue: body needs {"value": int}`))
		return
	}
	if s.cfg.Mode == ModeAsyncAck {
		// The deliberate mistake: acknowledged while only in this process's
		// memory.
		s.mu.Lock()
		s.buffered = append(s.buffered, *body.Value)
		s.mu.Unlock()
		codec.WriteJSON(w, http.StatusOK, struct{}{})
		return
	}
	_, err := s.submit(r.Context(), command{Op: cmdEnqueue, Value: *body.Value})
	if err != nil {
		codec.WriteError(w, err)
		return
	}
	codec.WriteJSON(w, http.StatusOK, struct{}{})
}

func (s *Server) handleDequeue(w http.ResponseWriter, r *http.Request) {
	var body DequeueRequest
	if err := codec.DecodeOptional(r, &body); err != nil {
		codec.WriteError(w, nodeserver.Definite(400, "queue: dequeue: %v", err))
		return
	}
	if body.ID != "" {
		if err := checkID(body.ID); err != nil {
			codec.WriteError(w, nodeserver.Definite(400, "queue: dequeue: %v", err))
			return
		}
	}
	res, err := s.submit(r.Context(), command{Op: cmdDequeue, ID: body.ID})
	if err != nil {
		codec.WriteError(w, err)
		return
	}
	if res.Fenced {
		codec.WriteError(w, nodeserver.Definite(http.StatusConflict, "queue: dequeue %q: an outcome request already declared it not applied; it did nothing", body.ID))
		return
	}
	if res.Empty {
		codec.WriteJSON(w, http.StatusOK, DequeueBody{Empty: true})
		return
	}
	v := res.Value
	codec.WriteJSON(w, http.StatusOK, DequeueBody{Value: &v})
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	codec.WriteJSON(w, http.StatusOK, Health{Node: s.cfg.ID, Role: "queue", Mode: s.cfg.Mode, Epoch: s.epoch})
}

func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) {
	codec.WriteJSON(w, http.StatusOK, s.Stats())
}

// Stats returns the node's current figures.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	st := Stats{Node: s.cfg.ID, AppliedSlot: s.slots.applied, LogLen: s.slots.logLen(),
		QueueLen: s.slots.q.Len(), Buffered: len(s.buffered), Compactions: s.compactions, Outcomes: len(s.slots.q.outcomes)}
	s.mu.Unlock()
	st.LogBytes = s.wal.Size()
	st.RSSBytes = rssBytes()
	return st
}

func (s *Server) handleClock(w http.ResponseWriter, r *http.Request) {
	codec.WriteJSON(w, http.StatusOK, Clock{Node: s.cfg.ID, TimeNs: time.Now().UnixNano()})
}

func (s *Server) handlePrepare(w http.ResponseWriter, r *http.Request) {
	var m SlotPrepare
	if err := codec.Decode(r, &m); err != nil || m.Slot == 0 {
		codec.WriteError(w, nodeserver.Definite(400, "queue: prepare: bad body (%v)", err))
		return
	}
	rep, err := s.prepare(m)
	if err != nil {
		codec.WriteError(w, nodeserver.Indeterminate("queue: prepare slot %d: %v", m.Slot, err))
		return
	}
	codec.WriteJSON(w, http.StatusOK, rep)
}

func (s *Server) handleAccept(w http.ResponseWriter, r *http.Request) {
	var m SlotAccept
	if err := codec.Decode(r, &m); err != nil || m.Slot == 0 || m.Value == nil {
		codec.WriteError(w, nodeserver.Definite(400, "queue: accept: bad body (%v)", err))
		return
	}
	rep, err := s.accept(m)
	if err != nil {
		codec.WriteError(w, nodeserver.Indeterminate("queue: accept slot %d: %v", m.Slot, err))
		return
	}
	codec.WriteJSON(w, http.StatusOK, rep)
}

func (s *Server) handleLearn(w http.ResponseWriter, r *http.Request) {
	var m Learn
	if err := codec.Decode(r, &m); err != nil || m.Slot == 0 || m.Value == nil {
		codec.WriteError(w, nodeserver.Definite(400, "queue: learn: bad body (%v)", err))
		return
	}
	if err := s.learn([]Entry{{Slot: m.Slot, Value: m.Value}}); err != nil {
		codec.WriteError(w, nodeserver.Indeterminate("queue: learn slot %d: %v", m.Slot, err))
		return
	}
	codec.WriteJSON(w, http.StatusOK, struct{}{})
}

func (s *Server) handleCatchUp(w http.ResponseWriter, r *http.Request) {
	from, err := strconv.ParseUint(r.URL.Query().Get("from"), 10, 64)
	if err != nil {
		codec.WriteError(w, nodeserver.Definite(400, "queue: catchup: from=%q is not a slot", r.URL.Query().Get("from")))
		return
	}
	codec.WriteJSON(w, http.StatusOK, s.catchUpFrom(from))
}

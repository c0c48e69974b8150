package paxos_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/anishathalye/porcupine"
	"github.com/faultline/faultline/targets/internal/porctest"
	"github.com/faultline/faultline/targets/paxos"
)

// An in-memory 5-node CASPaxos cluster driven by a seeded scheduler: every
// message delivery, drop, duplicate, crash, restart and partition change is
// a random choice, so a seed replays one exact interleaving. Acceptor state
// (and a boot epoch) survives crashes; proposer state does not.

type simConfig struct {
	mode       paxos.Mode
	nodes      int
	clients    int
	opsPer     int // operations per client
	keys       int
	dropPct    int // per delivery, percent
	dupPct     int
	crashes    bool
	partitions bool
}

type msgKind int

const (
	mPrepare msgKind = iota
	mPromise
	mAccept
	mAccepted
)

type simMsg struct {
	kind     msgKind
	from, to int
	op       int // the operation this message belongs to
	key      string
	ballot   paxos.Ballot
	value    []byte
	promise  paxos.Promise
	accepted paxos.Accepted
}

type simNode struct {
	id      string
	up      bool
	acc     *paxos.Acceptor // durable
	epoch   uint64          // durable
	ballots *paxos.Ballots  // volatile
}

type simOp struct {
	id, client, node int
	in               porctest.Input
	call             int64
	round            *paxos.Round
	attempts         int
	roundDeadline    int64
}

var errMismatch = errors.New("cas mismatch")

type sim struct {
	cfg       simConfig
	rng       *rand.Rand
	now       int64
	nodes     []*simNode
	net       []simMsg
	cut       map[[2]int]bool // partition: pairs that drop messages
	active    map[int]*simOp  // by op id
	nextOp    int
	busy      []bool // per client
	left      []int  // ops left per client
	hist      []porcupine.Operation
	completed int
}

const (
	roundTimeout = 600
	maxAttempts  = 6
)

func newSim(cfg simConfig, seed uint64) *sim {
	s := &sim{cfg: cfg, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		cut: map[[2]int]bool{}, active: map[int]*simOp{},
		busy: make([]bool, cfg.clients), left: make([]int, cfg.clients)}
	for i := range cfg.nodes {
		s.nodes = append(s.nodes, &simNode{id: "n" + strconv.Itoa(i+1), up: true,
			acc: paxos.NewAcceptor(cfg.mode), epoch: 1, ballots: paxos.NewBallots("n"+strconv.Itoa(i+1), 1)})
	}
	for c := range s.left {
		s.left[c] = cfg.opsPer
	}
	return s
}

func encode(v int64) []byte { return strconv.AppendInt(nil, v, 10) }

// decode is the register value in b; nil means no value.
func decode(b []byte) *int64 {
	if b == nil {
		return nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		panic("bad value " + string(b))
	}
	return &v
}

func change(in porctest.Input) paxos.ChangeFunc {
	return func(cur []byte) ([]byte, error) {
		switch in.Op {
		case "read":
			return cur, nil
		case "write":
			return encode(in.Val), nil
		}
		v := decode(cur)
		if (v == nil) != (in.Old == nil) || (v != nil && *v != *in.Old) {
			return nil, errMismatch
		}
		return encode(in.Val), nil
	}
}

func (s *sim) run(t *testing.T) []porcupine.Operation {
	for steps := 0; ; steps++ {
		if steps > 2_000_000 {
			t.Fatalf("simulation did not finish: %d ops active, %d messages", len(s.active), len(s.net))
		}
		s.now++
		s.expire()
		if s.done() {
			return s.hist
		}
		s.step()
	}
}

func (s *sim) done() bool {
	if len(s.active) > 0 {
		return false
	}
	for c := range s.left {
		if s.left[c] > 0 {
			return false
		}
	}
	return true
}

func (s *sim) step() {
	r := s.rng.IntN(1000)
	switch {
	case r < 6 && s.cfg.crashes:
		s.crash(s.rng.IntN(len(s.nodes)))
	case r < 40 && s.cfg.crashes:
		s.restart(s.rng.IntN(len(s.nodes)))
	case r < 50 && s.cfg.partitions:
		s.repartition()
	case r < 250:
		s.invoke()
	default:
		s.deliver()
	}
}

func (s *sim) downCount() int {
	n := 0
	for _, nd := range s.nodes {
		if !nd.up {
			n++
		}
	}
	return n
}

func (s *sim) crash(i int) {
	nd := s.nodes[i]
	if !nd.up || s.downCount() >= 2 {
		return
	}
	nd.up = false
	// Proposer state is lost: every operation this node was driving ends
	// as unknown to its client.
	for _, id := range s.activeIDs() {
		op := s.active[id]
		if op.node == i {
			s.finish(op, porctest.Output{Unknown: true}, true)
		}
	}
}

func (s *sim) restart(i int) {
	nd := s.nodes[i]
	if nd.up {
		return
	}
	nd.up = true
	nd.epoch++ // durable boot epoch: ballots never repeat across restarts
	nd.ballots = paxos.NewBallots(nd.id, nd.epoch)
}

func (s *sim) repartition() {
	s.cut = map[[2]int]bool{}
	if s.rng.IntN(3) == 0 {
		return // heal
	}
	n := len(s.nodes)
	perm := s.rng.Perm(n)
	minority := perm[:1+s.rng.IntN(n/2)]
	in := map[int]bool{}
	for _, m := range minority {
		in[m] = true
	}
	for a := range n {
		for b := range n {
			if in[a] != in[b] {
				s.cut[[2]int{a, b}] = true
			}
		}
	}
}

func (s *sim) activeIDs() []int {
	ids := make([]int, 0, len(s.active))
	for id := 0; id < s.nextOp; id++ {
		if _, ok := s.active[id]; ok {
			ids = append(ids, id)
		}
	}
	return ids
}

func (s *sim) invoke() {
	var idle []int
	for c := range s.busy {
		if !s.busy[c] && s.left[c] > 0 {
			idle = append(idle, c)
		}
	}
	if len(idle) == 0 {
		s.deliver()
		return
	}
	c := idle[s.rng.IntN(len(idle))]
	s.left[c]--
	in := porctest.Input{Key: "k" + strconv.Itoa(s.rng.IntN(s.cfg.keys)), Val: int64(s.rng.IntN(5))}
	switch r := s.rng.IntN(10); {
	case r < 4:
		in.Op = "read"
	case r < 7:
		in.Op = "write"
	default:
		in.Op = "cas"
		if s.rng.IntN(5) > 0 {
			old := int64(s.rng.IntN(5))
			in.Old = &old
		}
	}
	op := &simOp{id: s.nextOp, client: c, node: s.rng.IntN(len(s.nodes)), in: in, call: s.now}
	s.nextOp++
	nd := s.nodes[op.node]
	if !nd.up {
		return // connection refused: definitely did not happen, not recorded
	}
	s.busy[c] = true
	s.active[op.id] = op
	if s.cfg.mode == paxos.ModeNaive && in.Op == "read" {
		s.finish(op, porctest.Output{Val: decode(nd.acc.State(in.Key).Value)}, false)
		return
	}
	s.startRound(op, paxos.Ballot{})
}

func (s *sim) startRound(op *simOp, above paxos.Ballot) {
	nd := s.nodes[op.node]
	b := nd.ballots.Next(above)
	if s.cfg.mode == paxos.ModeNaive {
		op.round = paxos.NewNaiveRound(op.in.Key, b, len(s.nodes), change(op.in), nd.acc.State(op.in.Key).Value)
	} else {
		op.round = paxos.NewRound(op.in.Key, b, len(s.nodes), change(op.in))
	}
	op.attempts++
	op.roundDeadline = s.now + roundTimeout
	p := op.round.Prepare()
	for to := range s.nodes {
		s.send(simMsg{kind: mPrepare, from: op.node, to: to, op: op.id, key: p.Key, ballot: p.Ballot})
	}
}

func (s *sim) send(m simMsg) { s.net = append(s.net, m) }

// expire ends rounds whose deadline passed: a retry if nothing can have
// taken effect (or the op is a read), otherwise an unknown outcome.
func (s *sim) expire() {
	for _, id := range s.activeIDs() {
		op := s.active[id]
		if op.round == nil || s.now < op.roundDeadline {
			continue
		}
		s.retryOrGiveUp(op)
	}
}

func (s *sim) retryOrGiveUp(op *simOp) {
	if op.round.AcceptSent() && op.in.Op != "read" {
		s.finish(op, porctest.Output{Unknown: true}, true)
		return
	}
	if op.attempts >= maxAttempts {
		if op.in.Op == "read" && op.round.AcceptSent() {
			s.finish(op, porctest.Output{Unknown: true}, true) // harmless either way
			return
		}
		s.fail(op)
		return
	}
	s.startRound(op, op.round.Highest())
}

func (s *sim) deliver() {
	if len(s.net) == 0 {
		return
	}
	i := s.rng.IntN(len(s.net))
	m := s.net[i]
	if s.rng.IntN(100) >= s.cfg.dupPct {
		s.net[i] = s.net[len(s.net)-1]
		s.net = s.net[:len(s.net)-1]
	}
	if s.rng.IntN(100) < s.cfg.dropPct || s.cut[[2]int{m.from, m.to}] || !s.nodes[m.to].up {
		return
	}
	nd := s.nodes[m.to]
	switch m.kind {
	case mPrepare:
		// The acceptor is durable in this simulation: persisting before
		// replying is the step itself.
		p, _ := nd.acc.HandlePrepare(m.key, m.ballot)
		s.send(simMsg{kind: mPromise, from: m.to, to: m.from, op: m.op, promise: p})
	case mAccept:
		a, _ := nd.acc.HandleAccept(m.key, m.ballot, m.value)
		s.send(simMsg{kind: mAccepted, from: m.to, to: m.from, op: m.op, accepted: a})
	case mPromise:
		op := s.active[m.op]
		if op == nil || op.node != m.to || op.round == nil {
			return
		}
		if op.round.OnPromise(s.nodes[m.from].id, m.promise) {
			s.afterPhase(op)
		}
	case mAccepted:
		op := s.active[m.op]
		if op == nil || op.node != m.to || op.round == nil {
			return
		}
		if op.round.OnAccepted(s.nodes[m.from].id, m.accepted) {
			s.afterPhase(op)
		}
	}
}

func (s *sim) afterPhase(op *simOp) {
	r := op.round
	switch r.Phase() {
	case paxos.Accepting:
		a := r.Accept()
		for to := range s.nodes {
			s.send(simMsg{kind: mAccept, from: op.node, to: to, op: op.id, key: a.Key, ballot: a.Ballot, value: a.Value})
		}
	case paxos.Decided:
		out := porctest.Output{}
		if op.in.Op == "read" {
			out.Val = decode(r.Current())
		}
		s.finish(op, out, false)
	case paxos.Aborted:
		if !errors.Is(r.Err(), errMismatch) {
			panic(r.Err())
		}
		s.fail(op)
	case paxos.Rejected:
		s.retryOrGiveUp(op)
	}
}

func (s *sim) fail(op *simOp) {
	delete(s.active, op.id)
	s.busy[op.client] = false
}

func (s *sim) finish(op *simOp, out porctest.Output, unknown bool) {
	ret := s.now
	if unknown {
		ret = math.MaxInt64 // may take effect at any time from now on
		out.Unknown = true
	}
	s.hist = append(s.hist, porcupine.Operation{ClientId: op.client, Input: op.in, Call: op.call, Output: out, Return: ret})
	s.completed++
	delete(s.active, op.id)
	s.busy[op.client] = false
}

func simulate(t *testing.T, cfg simConfig, seed uint64) (porcupine.CheckResult, []porcupine.Operation) {
	t.Helper()
	h := newSim(cfg, seed).run(t)
	return porcupine.CheckOperationsTimeout(porctest.CASRegister, h, 0), h
}

func countOK(h []porcupine.Operation) (ok, unknown int) {
	for _, op := range h {
		if op.Output.(porctest.Output).Unknown {
			unknown++
		} else {
			ok++
		}
	}
	return ok, unknown
}

func TestSimulationPaxosLinearizable(t *testing.T) {
	cfg := simConfig{mode: paxos.ModePaxos, nodes: 5, clients: 6, opsPer: 60, keys: 3,
		dropPct: 10, dupPct: 10, crashes: true, partitions: true}
	seeds := 60
	if testing.Short() {
		seeds = 10
	}
	totalOK := 0
	for seed := range uint64(seeds) {
		res, h := simulate(t, cfg, seed)
		ok, unknown := countOK(h)
		totalOK += ok
		if res != porcupine.Ok {
			t.Errorf("seed %d: history of %d ops (%d ok, %d unknown) is %v, want linearizable", seed, len(h), ok, unknown, res)
		}
	}
	// A simulation in which nothing succeeds proves nothing.
	if totalOK < seeds*cfg.clients*cfg.opsPer/4 {
		t.Errorf("only %d ok operations over %d seeds: the simulation makes too little progress to mean anything", totalOK, seeds)
	}
}

func TestSimulationPaxosNoFaults(t *testing.T) {
	// One client at a time: without faults or contention every operation
	// must complete definitely.
	cfg := simConfig{mode: paxos.ModePaxos, nodes: 5, clients: 1, opsPer: 200, keys: 2}
	for seed := range uint64(10) {
		res, h := simulate(t, cfg, seed)
		ok, unknown := countOK(h)
		if res != porcupine.Ok {
			t.Errorf("seed %d: %v, want linearizable", seed, res)
		}
		if unknown != 0 || ok < cfg.opsPer/2 {
			t.Errorf("seed %d: %d ok and %d unknown ops without faults; want no unknown and most ok", seed, ok, unknown)
		}
	}
}

func TestSimulationNaiveCaughtUnderPartition(t *testing.T) {
	cfg := simConfig{mode: paxos.ModeNaive, nodes: 5, clients: 6, opsPer: 60, keys: 2, partitions: true}
	caught := 0
	seeds := uint64(5)
	for seed := range seeds {
		res, _ := simulate(t, cfg, seed)
		if res == porcupine.Illegal {
			caught++
		}
	}
	if caught == 0 {
		t.Fatalf("naive mode produced a linearizable history for all %d seeds; the mistake must be caught", seeds)
	}
	t.Logf("naive mode caught in %d of %d seeds", caught, seeds)
}

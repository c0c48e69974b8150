package register

import (
	"hash/maphash"
	"sync"

	"github.com/faultline/faultline/targets/paxos"
)

// acceptor is the I/O shell around paxos.State for one node (a
// nodeserver.LocalAcceptor): per-key locking (striped), and
// persist-before-reply through the Store.
type acceptor struct {
	store *Store
	mode  paxos.Mode
	seed  maphash.Seed
	locks [256]sync.Mutex
}

func newAcceptor(store *Store, mode paxos.Mode) *acceptor {
	return &acceptor{store: store, mode: mode, seed: maphash.MakeSeed()}
}

func (a *acceptor) lock(key string) *sync.Mutex {
	m := &a.locks[maphash.String(a.seed, key)%uint64(len(a.locks))]
	m.Lock()
	return m
}

func (a *acceptor) Prepare(m paxos.Prepare) (paxos.Promise, error) {
	l := a.lock(m.Key)
	defer l.Unlock()
	st, err := a.store.Get(m.Key)
	if err != nil {
		return paxos.Promise{}, err
	}
	next, reply, changed := st.OnPrepare(m.Ballot, a.mode)
	if changed {
		// Durable BEFORE the promise leaves this node.
		if err := a.store.Put(m.Key, next); err != nil {
			return paxos.Promise{}, err
		}
	}
	return reply, nil
}

func (a *acceptor) Accept(m paxos.Accept) (paxos.Accepted, error) {
	l := a.lock(m.Key)
	defer l.Unlock()
	st, err := a.store.Get(m.Key)
	if err != nil {
		return paxos.Accepted{}, err
	}
	next, reply, changed := st.OnAccept(m.Ballot, m.Value)
	if changed {
		// Durable BEFORE the acknowledgement leaves this node.
		if err := a.store.Put(m.Key, next); err != nil {
			return paxos.Accepted{}, err
		}
	}
	return reply, nil
}

// value is the local copy of key's value (ModeNaive reads and proposals).
func (a *acceptor) value(key string) ([]byte, error) {
	l := a.lock(key)
	defer l.Unlock()
	st, err := a.store.Get(key)
	return st.Value, err
}

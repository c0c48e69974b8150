package paxos

// Prepare is phase 1a: a proposer asks acceptors to promise Ballot for Key.
type Prepare struct {
	Key    string `json:"key"`
	Ballot Ballot `json:"ballot"`
}

// Promise is phase 1b, an acceptor's answer to a Prepare.
type Promise struct {
	// OK is true when the acceptor promised Ballot.
	OK bool `json:"ok"`
	// Ballot echoes the Prepare's ballot, so a late reply can be matched to
	// its round.
	Ballot Ballot `json:"ballot"`
	// Accepted and Value are the acceptor's last accepted ballot and value
	// (zero and nil when it has accepted nothing). In ModeNaive they are
	// always empty: that is the mistake.
	Accepted Ballot `json:"accepted"`
	Value    []byte `json:"value,omitempty"`
	// Higher is, when OK is false, the ballot the acceptor had already
	// promised, so that the proposer can retry above it.
	Higher Ballot `json:"higher"`
}

// Accept is phase 2a: a proposer asks acceptors to accept Value at Ballot.
type Accept struct {
	Key    string `json:"key"`
	Ballot Ballot `json:"ballot"`
	Value  []byte `json:"value,omitempty"`
}

// Accepted is phase 2b, an acceptor's answer to an Accept.
type Accepted struct {
	OK     bool   `json:"ok"`
	Ballot Ballot `json:"ballot"`
	// Higher is, when OK is false, the ballot the acceptor had promised.
	Higher Ballot `json:"higher"`
}

// Command faultline-node is the node-side daemon of faultline's own systems
// under test. It runs one role per process (register, kv, queue: one
// function and one line in the roles map each) and imports only
// targets/...: the system under test never sees harness code.
//
// Contract: logs (log/slog text) go to stderr and nothing but --version's
// answer goes to stdout; SIGTERM and SIGINT shut down gracefully; bad flags
// print one line and exit 254; a run-time failure (port taken, unreadable
// store) exits 1. It builds with CGO_ENABLED=0 as a static binary.
//
// Example:
//
//	faultline-node --role register --id n1 --listen 0.0.0.0:7000 \
//	    --peers n1=198.18.0.11:7000,n2=198.18.0.12:7000,n3=198.18.0.13:7000 \
//	    --data /opt/faultline/data --mode paxos
//
// Every role reads the node clock from --clock-file (default: "clock" next
// to the data directory, /opt/faultline/clock), which the clock nemesis
// writes (see targets/clock), and serves it on GET /clock. --mode is
// checked against the role's modes (register: paxos | naive; kv: serial |
// quorum | all | one | one-no-repair | session).
package main

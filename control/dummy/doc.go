// Package dummy is a control.Remote that runs nothing: it records every
// command and transfer and answers with programmed responses. It is the
// double for unit tests of nemeses and deploy code.
//
// Responses are chosen by the longest matching argv prefix (On, OnError),
// else by a Handler func, else an empty success. A programmed Result with a
// non-zero ExitCode comes back as *control.ExitError, as from a real node.
// Uploaded files are kept in memory and can be downloaded again.
//
// Example:
//
//	r := dummy.New("n1")
//	r.On([]string{"iptables", "-S"}, control.Result{Stdout: []byte("-P INPUT ACCEPT\n")})
//	r.On([]string{"pkill"}, control.Result{ExitCode: 1}) // nothing matched
//	... run the code under test against r ...
//	if got := r.Commands(); !slices.Equal(got, want) { ... }
package dummy

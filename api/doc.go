// Package api holds the client interfaces that workloads drive and targets
// implement, and the capability interfaces through which a deployment
// offers them.
//
// A workload's client turns history ops into calls of one of these
// interfaces (Register for read / write / cas, Set, Queue, ...); a target's
// deployment says which it serves by implementing RegisterClients,
// SetClients, QueueClients or Local. The interfaces use only the standard
// library's types, so a target package implements them without importing
// the harness, and the node daemon that links the target packages links
// nothing of it.
//
//	func (c *cluster) RegisterClient(node string) (api.Register, error) {
//		return newClient(c.url(node)), nil
//	}
//
// Errors: a CAS whose expected value did not match returns an error
// wrapping ErrMismatch (the op definitely did not happen); any other error
// that proves the op did not happen (refused before sending, rejected by
// the server) wraps ErrDefinite, unless the deployment classifies its own
// errors (targets.Classifier). Every other error makes the op info.
package api

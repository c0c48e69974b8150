// Package workloads defines what a workload gives the runner: a Generator
// of invoke ops and a Client per worker that turns an invoke into its
// completion (ok, fail or info). Each workload lives in a subpackage
// (register, ...) with its generator, its client adapter over a small API
// interface that targets implement, and the checker model it is judged by.
//
// The outcome taxonomy is the same everywhere: a definite error is fail, a
// timeout or any error after the request may have been sent is info, and
// after an info the runner continues the worker under a fresh process id.
package workloads

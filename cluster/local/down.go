package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Down tears the local cluster name down: it kills every process in the
// nodes' network namespaces (all of them the cluster's), deletes the
// namespaces, veths and bridge, removes the host firewall chain Up may have
// added, and deletes the state directory (keys, known_hosts and nodes file
// included; a later Up makes new ones). It works on a half-built or crashed
// cluster and without cluster.json, since every name derives from the
// cluster name. It returns an error naming any residue.
func Down(ctx context.Context, name string) error {
	if name == "" {
		name = DefaultName
	}
	if err := checkName(name); err != nil {
		return err
	}
	t, err := checkPrereqs()
	if err != nil {
		return err
	}
	dir := StateDir(name)
	nm := namesOf(name)
	if err := os.MkdirAll(StateRoot(), 0o755); err == nil {
		if unlock, err := lockDir(StateRoot()); err == nil {
			defer unlock()
		}
	}
	st, _ := readState(dir) // a damaged cluster.json must not stop Down

	var errs []error
	nss := listNetns(nm.netnsPrefix())
	veths := listLinks(nm.vethPrefix())
	chains := []string{nm.chain()}
	if st != nil {
		for _, n := range st.Nodes {
			if i := indexAfter(nm.netnsPrefix(), n.Netns); i > 0 && netnsExists(n.Netns) {
				nss[i] = n.Netns
			}
			if i := indexAfter(nm.vethPrefix(), n.Veth); i > 0 {
				veths[i] = n.Veth
			}
		}
		if st.FirewallChain != "" && st.FirewallChain != nm.chain() && strings.HasPrefix(st.FirewallChain, "FAULTLINE-BR-") {
			chains = append(chains, st.FirewallChain)
		}
	}
	for i, ns := range nss {
		if err := downNode(ctx, t, ns, nm.veth(i)); err != nil {
			errs = append(errs, err)
		}
	}
	for _, v := range veths {
		if err := delLink(ctx, t, v); err != nil {
			errs = append(errs, err)
		}
	}
	for _, c := range chains {
		if err := removeForward(ctx, t, nm.bridge(), c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := delLink(ctx, t, nm.bridge()); err != nil {
		errs = append(errs, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		errs = append(errs, fmt.Errorf("cluster/local: removing %s: %w", dir, err))
	}
	if r := residue(nm); len(r) > 0 {
		errs = append(errs, fmt.Errorf("cluster/local: cluster %q: down left %s behind", name, strings.Join(r, ", ")))
	}
	return errors.Join(errs...)
}

// residue lists what of the cluster still exists on the host.
func residue(nm names) []string {
	var r []string
	for _, ns := range listNetns(nm.netnsPrefix()) {
		r = append(r, "netns "+ns)
	}
	for _, v := range listLinks(nm.vethPrefix()) {
		r = append(r, "veth "+v)
	}
	if linkExists(nm.bridge()) {
		r = append(r, "bridge "+nm.bridge())
	}
	sort.Strings(r)
	return r
}

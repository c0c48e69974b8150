package checker

import (
	"context"
	"testing"
)

// Every model must give porcupine a Hash (its state cache) and a
// StepContext (so that a deadline is honoured inside a step), and the
// StepContext must refuse once its context is done.
func TestEveryModelHasHashAndStepContext(t *testing.T) {
	for _, name := range ModelNames {
		m, err := ModelByName(name)
		if err != nil {
			t.Fatal(err)
		}
		p := m.Porcupine
		if p.Hash == nil || p.StepContext == nil || p.Equal == nil || p.Partition == nil {
			t.Errorf("model %s: Hash %t, StepContext %t, Equal %t, Partition %t; want all set",
				name, p.Hash != nil, p.StepContext != nil, p.Equal != nil, p.Partition != nil)
			continue
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var in, out any
		switch name {
		case "cas-register":
			in, out = regInput{F: 'w', A: regVal{Set: true, V: 1}}, regOutput{Known: true}
		case "kv":
			in, out = kvInput{F: 'p', V: "x"}, kvOutput{Known: true}
		case "queue":
			in, out = fifoInput{F: 'e', V: 1}, fifoOutput{Known: true}
		default:
			t.Fatalf("model %s: no sample op in this test", name)
		}
		s := p.Init()
		if ok, _ := p.StepContext(context.Background(), s, in, out); !ok {
			t.Errorf("model %s: a write from the initial state is refused", name)
		}
		if ok, _ := p.StepContext(ctx, s, in, out); ok {
			t.Errorf("model %s: StepContext accepts a step after its context is done", name)
		}
		if p.Hash(s) != p.Hash(p.Init()) {
			t.Errorf("model %s: equal states hash differently", name)
		}
	}
}

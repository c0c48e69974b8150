package final

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/faultline/faultline/history"
)

func TestElementsReadsBothShapes(t *testing.T) {
	for in, want := range map[string][]int64{`[3,1]`: {3, 1}, `{"elements":[2]}`: {2}, `[]`: {}} {
		got, err := elements(json.RawMessage(in))
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("elements(%s) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := elements(json.RawMessage(`"nope"`)); err == nil {
		t.Error(`elements("nope") gave no error`)
	}
}

// answer is an op client that answers every read with one value.
type answer struct {
	typ    history.Type
	value  string
	closed *int
}

func (a answer) Invoke(_ context.Context, op history.Op) history.Op {
	return op.Complete(a.typ, json.RawMessage(a.value), "")
}
func (a answer) Close() error { *a.closed++; return nil }

func TestOpReadsReadKeys(t *testing.T) {
	closed := 0
	for value, want := range map[string]*int64{"7": ptr(7), "null": nil} {
		o := &OpReads{Open: func(string) (OpClient, error) { return answer{history.OK, value, &closed}, nil }}
		s, err := o.LocalRead(context.Background(), "n1", "k")
		if err != nil || !s.Replica || (s.Value == nil) != (want == nil) || (want != nil && *s.Value != *want) {
			t.Errorf("read answering %s: %+v, %v", value, s, err)
		}
		o.Close()
	}
	if closed != 2 {
		t.Errorf("closed %d clients, want 2", closed)
	}
	o := &OpReads{Open: func(string) (OpClient, error) { return answer{history.OK, `"x"`, &closed}, nil }}
	if _, err := o.LocalRead(context.Background(), "n1", "k"); err == nil {
		t.Error("a read answering a string gave no error")
	}
	o = &OpReads{Open: func(string) (OpClient, error) { return answer{history.Info, "", &closed}, nil }}
	if _, err := o.LocalSetRead(context.Background(), "n1", "k"); err == nil {
		t.Error("a read answering info gave no error")
	}
}

func ptr(v int64) *int64 { return &v }

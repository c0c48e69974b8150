package cli

import (
	"bytes"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/models"
)

func TestPrintModels(t *testing.T) {
	var b bytes.Buffer
	printModels(&b, checker.Results{})
	if b.Len() != 0 {
		t.Errorf("no models decided, printed %q", b.String())
	}
	printModels(&b, checker.Results{Models: []models.Status{
		{Model: models.Linearizable, State: models.StateRuledOut, Anomalies: []models.Anomaly{models.Nonlinearizable}},
		{Model: models.Sequential, State: models.StateHolds},
		{Model: models.Causal, State: models.StateHolds},
		{Model: models.PRAM, State: models.StateNotChecked},
	}})
	want := "models: holds sequential, causal; ruled out linearizable (nonlinearizable); not checked PRAM\n"
	if b.String() != want {
		t.Errorf("printed %q, want %q", b.String(), want)
	}
}

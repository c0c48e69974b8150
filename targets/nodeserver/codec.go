package nodeserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// ErrorBody is the body of every failed reply.
type ErrorBody struct {
	Error    string `json:"error"`
	Definite bool   `json:"definite"`
}

// Codec reads JSON requests and writes JSON replies for one target.
type Codec struct {
	// Name is the target's name; it prefixes the reply written when a
	// reply cannot be encoded.
	Name string
	// MaxBody bounds one request body read; the rest is not read, so an
	// oversized body does not decode.
	MaxBody int64
}

// Decode reads r's body into v.
func (c Codec) Decode(r *http.Request, v any) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, c.MaxBody))
	if err != nil {
		return err
	}
	return unmarshal(data, v)
}

// DecodeOptional is Decode where an empty body means the zero value.
func (c Codec) DecodeOptional(r *http.Request, v any) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, c.MaxBody))
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	return unmarshal(data, v)
}

func unmarshal(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("bad JSON body: %v", err)
	}
	return nil
}

// WriteJSON replies v with status. A v that cannot be encoded becomes an
// indeterminate 500: the operation behind it may have happened.
func (c Codec) WriteJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status, data = http.StatusInternalServerError, []byte(`{"error":"`+c.Name+`: encode reply","definite":false}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(data, '\n'))
}

// WriteError replies e as an ErrorBody with e's status.
func (c Codec) WriteError(w http.ResponseWriter, e *Error) {
	c.WriteJSON(w, e.Status, ErrorBody{Error: e.Msg, Definite: e.Definite})
}

// Fail replies err classified (Classify).
func (c Codec) Fail(w http.ResponseWriter, err error) { c.WriteError(w, Classify(err)) }

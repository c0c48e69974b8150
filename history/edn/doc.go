// Package edn imports histories written as EDN maps, one op per line, as
// Jepsen and porcupine's test data do:
//
//	{:process 9, :type :invoke, :f :append, :key "0", :value "x 9 0 y"}
//	{:process 9, :type :ok, :f :append, :key "0", :value "x 9 0 y"}
//
// Contract: each map becomes one history.Op in file order with a dense
// Index; :time is kept when present (else Time is the position); keywords
// lose their colon (:append is F "append"); values become JSON. It also
// exposes the small EDN value parser (ParseValue, ToJSON) that the jepsenlog
// importer shares. Errors name the line and wrap history.ErrMalformed.
//
//	h, err := edn.ReadFile("c10-ok.txt")
package edn

package wal

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// HeaderSize is the size of a frame's header: 4 bytes little-endian payload
// length, then 4 bytes little-endian CRC-32C (Castagnoli) of the payload.
const HeaderSize = 8

// MaxRecord bounds one payload. On replay a length above it is read as a
// torn length field; Append refuses a longer payload rather than write a
// frame that replay would drop.
const MaxRecord = 64 << 20

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// appendFrame appends payload's frame to buf.
func appendFrame(buf, payload []byte) []byte {
	var h [HeaderSize]byte
	binary.LittleEndian.PutUint32(h[:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(h[4:], crc32.Checksum(payload, crcTable))
	return append(append(buf, h[:]...), payload...)
}

// checkPayload says why payload cannot be framed, or nil. An empty payload
// is refused because a zero header (length 0, CRC 0) is what a zero-filled
// tail looks like, so replay reads it as a bad frame.
func checkPayload(payload []byte) error {
	switch {
	case len(payload) == 0:
		return fmt.Errorf("wal: empty record")
	case len(payload) > MaxRecord:
		return fmt.Errorf("wal: record of %d bytes is over the %d-byte limit", len(payload), MaxRecord)
	}
	return nil
}

// scan calls replay on each good frame of data in order and returns the
// length of the good prefix. A bad frame (short header, length past the
// end or over MaxRecord, empty, CRC mismatch) that reaches the end of data
// is a torn write: scan stops before it. A bad frame followed by more data
// is corruption: scan refuses to guess and names the file and offset.
func scan(path string, data []byte, replay func([]byte) error) (good int64, n int, err error) {
	off := 0
	for off < len(data) {
		if len(data)-off < HeaderSize {
			return int64(off), n, nil // torn header
		}
		length := int(binary.LittleEndian.Uint32(data[off:]))
		sum := binary.LittleEndian.Uint32(data[off+4:])
		end := off + HeaderSize + length
		if length > MaxRecord || end > len(data) {
			// Torn payload, or a torn length field. (A length corrupted
			// mid-file to point past the end reads the same way; nothing in
			// the format tells the two apart.)
			return int64(off), n, nil
		}
		payload := data[off+HeaderSize : end]
		if length == 0 || crc32.Checksum(payload, crcTable) != sum {
			if end == len(data) {
				return int64(off), n, nil // torn last frame
			}
			return 0, n, fmt.Errorf("wal: log %s: corrupt record at offset %d followed by %d more bytes; refusing to guess", path, off, len(data)-end)
		}
		if err := replay(payload); err != nil {
			return 0, n, fmt.Errorf("wal: log %s: record at offset %d: %w", path, off, err)
		}
		n++
		off = end
	}
	return int64(off), n, nil
}

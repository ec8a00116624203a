// Package limit holds the size limits shared by every reader of dpa input,
// feeds (feed) and event logs (campaign/events): the default cap on one
// record, the error saying a limit was passed and the sentinel it matches,
// so both kinds of input fail the same way and callers test either with
// errors.Is(err, limit.ErrTooLarge) (feed.ErrTooLarge is the same value).
//
// It lives apart from feed so that campaign/events gets them without
// importing feed and its workbook and charset dependencies.
package limit

import (
	"errors"
	"fmt"
)

// DefaultMaxRecordBytes bounds one record. Platform limits put a real
// item far below 1 MiB (a description is at most 9,999 characters), and an
// event row is a few hundred bytes, so anything this big is an unclosed
// quote or hostile input, and holding it costs a few times its size inside
// the parsers.
const DefaultMaxRecordBytes int64 = 16 << 20

// ErrTooLarge is wrapped by every error about input over a size limit: a
// download, a decompressed stream, a workbook part or a single record.
var ErrTooLarge = errors.New("size limit exceeded")

// SizeError says which limit was passed.
type SizeError struct {
	What  string // "the download", "the decompressed gzip stream", "a record", ...
	Limit int64
	Flag  string // the option a user can raise, or ""
}

func (e *SizeError) Error() string {
	s := fmt.Sprintf("%s is larger than the %s limit", e.What, Bytes(e.Limit))
	if e.Flag != "" {
		s += " (" + e.Flag + ")"
	}
	return s
}

// Is makes every SizeError match ErrTooLarge.
func (e *SizeError) Is(target error) bool { return target == ErrTooLarge }

// Bytes writes n in the largest binary unit that divides it ("16 MiB").
func Bytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

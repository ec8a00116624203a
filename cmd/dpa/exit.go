package main

import (
	"context"
	"errors"
	"fmt"
)

// Exit codes, documented in the README and in every command's help.
const (
	exitOK          = 0
	exitFindings    = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// usageError is a bad flag, argument or config value: exit 2 with a hint.
type usageError struct {
	err  error
	hint string
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErr(format string, a ...any) error {
	return &usageError{err: fmt.Errorf(format, a...)}
}

// inputError is unreadable input: exit 2.
type inputError struct{ err error }

func (e *inputError) Error() string { return e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }

// findingsError says the run worked but the result is over a threshold:
// exit 1. The report has been written; the message is one line for stderr.
type findingsError struct{ msg string }

func (e *findingsError) Error() string { return e.msg }

// exitCode maps a command's error to the process exit code, in one place.
func exitCode(err error) int {
	var ue *usageError
	var ie *inputError
	var fe *findingsError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &fe):
		return exitFindings
	case errors.As(err, &ue), errors.As(err, &ie):
		return exitUsage
	}
	return exitUsage
}

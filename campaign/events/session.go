package events

import (
	"strconv"
	"strings"
	"time"
)

// DefaultSessionGap is the inactivity gap that ends a session when the log
// has no session id (session-rec's SESSION_LENGTH = 30*60).
const DefaultSessionGap = 30 * time.Minute

// Sessionizer assigns session ids to events that lack one: a user's session
// ends after Gap of inactivity.
//
// It keeps one small record per user, so memory is bounded by the number of
// users, not events. It needs each user's events in time order; logs that
// are globally time-ordered (the usual export) satisfy that. An event older
// than its user's previous one is counted in OutOfOrder and still assigned
// to the current session; callers that cannot guarantee order (the replay)
// sort each user's events first and sessionise afterwards.
type Sessionizer struct {
	Gap        time.Duration
	OutOfOrder int
	users      map[string]*userSess
}

type userSess struct {
	last time.Time
	n    int
}

// NewSessionizer returns a Sessionizer with the given gap (DefaultSessionGap
// when gap <= 0).
func NewSessionizer(gap time.Duration) *Sessionizer {
	if gap <= 0 {
		gap = DefaultSessionGap
	}
	return &Sessionizer{Gap: gap, users: map[string]*userSess{}}
}

// Assign sets ev.SessionID when it is empty, to "<user>#<n>" with n counting
// the user's sessions from 1. Events that carry a session id keep it.
func (s *Sessionizer) Assign(ev *Event) {
	if ev.SessionID != "" {
		return
	}
	u := s.users[ev.UserID]
	if u == nil {
		u = &userSess{last: ev.Time, n: 1}
		// A copy: the event's id may share the memory of a whole block
		// of the log (see blocks.go), which the key would keep.
		s.users[strings.Clone(ev.UserID)] = u
	} else {
		switch {
		case ev.Time.Before(u.last):
			s.OutOfOrder++
		case ev.Time.Sub(u.last) > s.Gap:
			u.n++
			u.last = ev.Time
		default:
			u.last = ev.Time
		}
	}
	ev.SessionID = ev.UserID + "#" + strconv.Itoa(u.n)
}

// SplitSessions returns the start indices of the sessions in one user's
// time-ordered events: a new session starts when the session id changes or,
// for events without one, after more than gap of inactivity.
func SplitSessions(times []time.Time, sessionIDs []string, gap time.Duration) []int {
	if gap <= 0 {
		gap = DefaultSessionGap
	}
	var starts []int
	for i := range times {
		if i == 0 {
			starts = append(starts, 0)
			continue
		}
		var sid, prev string
		if sessionIDs != nil {
			sid, prev = sessionIDs[i], sessionIDs[i-1]
		}
		if sid != "" || prev != "" {
			if sid != prev {
				starts = append(starts, i)
			}
			continue
		}
		if times[i].Sub(times[i-1]) > gap {
			starts = append(starts, i)
		}
	}
	return starts
}

package sessiontest

import "time"

// WithProjectionLag makes the server's read side lag its writes as
// Zitadel's projections do (observed on Zitadel v4.13.1: about 15–45 ms for
// session lists, about 120 ms for a new user and for locking or
// deactivating one),
// so that code which reads right after it writes can be tested:
//
//   - ListSessions shows a new session only lists after its creation, and
//     still shows a deleted one for lists after its deletion;
//   - the user check of CreateSession/SetSession does not find a user added
//     with AddUser less than users ago (NOT_FOUND QUERY-Dfbg2; users of a
//     seed exist from the start), and sees a user's
//     previous state for users after it was locked, unlocked, deactivated or
//     reactivated.
//
// GetSession and everything else stay immediate, as in Zitadel. Time is the
// server Clock, so a test moves past the lag with Clock.Advance. Off (0, 0)
// by default.
func WithProjectionLag(lists, users time.Duration) Option {
	return func(c *config) {
		c.listLag, c.userLag = max(0, lists), max(0, users)
	}
}

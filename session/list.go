package session

import (
	"context"
	"fmt"
	"iter"
	"math"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	zitadelv1 "github.com/sessionkit/zitadel-session-go/gen/zitadel"
	objectv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/object/v2"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
)

// ListOption is an option of [Client.List] and [Client.ListPage]: a
// [Filter], [SortByCreationDate], [PageSize] or [TotalResult].
type ListOption interface {
	applyList(*listConfig)
}

type listConfig struct {
	queries  []*sessionv2.SearchQuery
	sort     bool
	sortSet  bool
	asc      bool
	pageSize uint32
	err      error
	total    *uint64
}

// Method compares timestamps in [ByCreationDate] and [ByExpirationDate].
// The values are those of the wire enum TimestampQueryMethod.
type Method int32

// Timestamp comparison methods.
const (
	Equals          Method = 0
	Greater         Method = 1
	GreaterOrEquals Method = 2
	Less            Method = 3
	LessOrEquals    Method = 4
)

// String returns "equals", "greater", "greater_or_equals", "less",
// "less_or_equals" or "unknown".
func (m Method) String() string {
	switch m {
	case Equals:
		return "equals"
	case Greater:
		return "greater"
	case GreaterOrEquals:
		return "greater_or_equals"
	case Less:
		return "less"
	case LessOrEquals:
		return "less_or_equals"
	}
	return "unknown"
}

// Filter restricts a listing. All filters of one listing must match (AND).
type Filter struct {
	q *sessionv2.SearchQuery
}

func (f Filter) applyList(c *listConfig) { c.queries = append(c.queries, f.q) }

// ByIDs matches sessions with one of the IDs. ByIDs() matches nothing.
func ByIDs(ids ...string) Filter {
	return Filter{&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_IdsQuery{IdsQuery: &sessionv2.IDsQuery{Ids: ids}}}}
}

// ByUserID matches sessions of the user.
func ByUserID(userID string) Filter {
	return Filter{&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_UserIdQuery{UserIdQuery: &sessionv2.UserIDQuery{Id: userID}}}}
}

// ByCreationDate matches sessions whose creation date compares to t with m,
// e.g. ByCreationDate(t, Greater) for sessions created after t.
func ByCreationDate(t time.Time, m Method) Filter {
	return Filter{&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_CreationDateQuery{CreationDateQuery: &sessionv2.CreationDateQuery{
		CreationDate: timestamppb.New(t), Method: zitadelv1.TimestampQueryMethod(m),
	}}}}
}

// ByExpirationDate matches sessions whose expiration compares to t with m.
// Greater and GreaterOrEquals also match sessions that never expire (so
// ByExpirationDate(now, GreaterOrEquals) lists the unexpired ones); Equals,
// Less and LessOrEquals only match sessions with an expiration.
func ByExpirationDate(t time.Time, m Method) Filter {
	return Filter{&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_ExpirationDateQuery{ExpirationDateQuery: &sessionv2.ExpirationDateQuery{
		ExpirationDate: timestamppb.New(t), Method: zitadelv1.TimestampQueryMethod(m),
	}}}}
}

// ByCreator matches sessions created by the user with the ID (non-empty).
func ByCreator(userID string) Filter {
	return Filter{&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_CreatorQuery{CreatorQuery: &sessionv2.CreatorQuery{Id: &userID}}}}
}

// ByCreatorSelf matches sessions created by the caller.
func ByCreatorSelf() Filter {
	return Filter{&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_CreatorQuery{CreatorQuery: &sessionv2.CreatorQuery{}}}}
}

// ByUserAgent matches sessions whose user agent has the fingerprint ID
// (non-empty).
func ByUserAgent(fingerprintID string) Filter {
	return Filter{&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_UserAgentQuery{UserAgentQuery: &sessionv2.UserAgentQuery{FingerprintId: &fingerprintID}}}}
}

// ByOwnUserAgent matches sessions with the fingerprint of the caller's own
// user agent (the agent bound to the caller's OIDC access token; fails for
// callers without one, such as PATs).
func ByOwnUserAgent() Filter {
	return Filter{&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_UserAgentQuery{UserAgentQuery: &sessionv2.UserAgentQuery{}}}}
}

type sortOption bool

// SortByCreationDate sorts by creation date, ascending or descending.
// Without it [Client.ListPage] leaves the order to the server (undefined)
// and [Client.List] sorts ascending, so that paging is stable.
func SortByCreationDate(asc bool) ListOption { return sortOption(asc) }

func (o sortOption) applyList(c *listConfig) { c.sort, c.sortSet, c.asc = true, true, bool(o) }

type pageSizeOption int

// PageSize sets the number of sessions requested per page (the request's
// limit) of [Client.List] and [Client.ListPage]; without it, or with 0, both
// request [DefaultPageSize]. A negative n is rejected locally. (Zitadel
// itself treats a missing limit as "no limit" and has no maximum; this
// package always sends one, so that a large result never arrives in one
// message.)
func PageSize(n int) ListOption { return pageSizeOption(n) }

func (o pageSizeOption) applyList(c *listConfig) {
	switch {
	case o < 0:
		if c.err == nil {
			c.err = fmt.Errorf("PageSize: %d is negative (use a positive page size, or 0 for the default %d)", int(o), DefaultPageSize)
		}
	case o > math.MaxUint32:
		c.pageSize = math.MaxUint32
	default:
		c.pageSize = uint32(o)
	}
}

type totalOption struct{ n *uint64 }

// TotalResult makes [Client.List] or [Client.ListPage] store the server's
// count of sessions matching the filters in *n: for ListPage that page's
// [Page.TotalResult], for List the largest count any of its pages reported
// (updated as pages arrive). See [Page.TotalResult] for how Zitadel counts.
// (Like grpc.Header, it is an option that receives a result.)
func TotalResult(n *uint64) ListOption { return totalOption{n} }

func (o totalOption) applyList(c *listConfig) {
	if o.n == nil {
		if c.err == nil {
			c.err = fmt.Errorf("TotalResult(nil): pass a pointer to a uint64")
		}
		return
	}
	c.total = o.n
}

// Page is one page of a listing.
type Page struct {
	// Sessions are the sessions of the page the caller may see.
	Sessions []*Session
	// TotalResult is the server's count of matching sessions. Zitadel counts
	// before dropping sessions the caller may not see, so it can exceed the
	// number of sessions the caller will ever get, and it is 0 for a page
	// past the end.
	TotalResult uint64
	// Offset is the offset this page was requested at.
	Offset uint64
	// NextOffset is the offset of the next page.
	NextOffset uint64
	// More reports whether another page may hold sessions.
	More bool
}

// DefaultPageSize is the page size of [Client.List] and [Client.ListPage]
// without [PageSize].
const DefaultPageSize = 100

func listRequest(cfg *listConfig, offset uint64) *sessionv2.ListSessionsRequest {
	req := &sessionv2.ListSessionsRequest{
		Query:   &objectv2.ListQuery{Offset: offset, Limit: cfg.pageSize, Asc: cfg.asc},
		Queries: cfg.queries,
	}
	if cfg.sort {
		req.SortingColumn = sessionv2.SessionFieldName_SESSION_FIELD_NAME_CREATION_DATE
	}
	return req
}

// ListPage returns one page of sessions starting at offset (a position among
// all matching sessions, including those the caller may not see), with
// [PageSize] sessions at most ([DefaultPageSize] without it). Without
// [SortByCreationDate] the order is left to the server (Zitadel's is
// undefined). The caller sees only the sessions it may read (creator,
// session user, same user agent, or session.read); others are silently
// dropped by Zitadel, so a page may be shorter than the page size even when
// more follow. Use [Page.More] and [Page.NextOffset] to continue, or
// [Client.List] to iterate.
func (c *Client) ListPage(ctx context.Context, offset uint64, opts ...ListOption) (*Page, error) {
	cfg := listConfig{pageSize: DefaultPageSize}
	for _, o := range opts {
		if o != nil {
			o.applyList(&cfg)
		}
	}
	if cfg.pageSize == 0 {
		cfg.pageSize = DefaultPageSize
	}
	p, err := c.listPage(ctx, &cfg, offset)
	if err == nil && cfg.total != nil {
		*cfg.total = p.TotalResult
	}
	return p, err
}

func (c *Client) listPage(ctx context.Context, cfg *listConfig, offset uint64) (*Page, error) {
	if cfg.err != nil {
		return nil, localError(opList, cfg.err.Error(), nil)
	}
	for _, q := range cfg.queries {
		if q == nil {
			return nil, localError(opList, "zero Filter value; use the By* constructors", nil)
		}
		if cq := q.GetCreatorQuery(); cq != nil && cq.Id != nil && *cq.Id == "" {
			return nil, localError(opList, "ByCreator: empty user ID (use ByCreatorSelf for the caller)", nil)
		}
		if uq := q.GetUserAgentQuery(); uq != nil && uq.FingerprintId != nil && *uq.FingerprintId == "" {
			return nil, localError(opList, "ByUserAgent: empty fingerprint ID (use ByOwnUserAgent for the caller's)", nil)
		}
	}
	req := listRequest(cfg, offset)
	if err := check(opList, req); err != nil {
		return nil, err
	}
	res, err := c.sessions.ListSessions(ctx, req)
	if err != nil {
		return nil, newError(ctx, opList, err)
	}
	p := &Page{
		Sessions:    make([]*Session, len(res.Sessions)),
		TotalResult: res.GetDetails().GetTotalResult(),
		Offset:      offset,
	}
	for i, s := range res.Sessions {
		p.Sessions[i] = sessionFromProto(s)
	}
	// cfg.pageSize is never 0 here: ListPage and List default it.
	p.NextOffset = offset + uint64(cfg.pageSize)
	// A full page may be followed by more. A short (or empty) page is the
	// last one unless rows were dropped for visibility after paging, which
	// total_result (counted before that filter) reveals. Zitadel reports
	// total_result 0 for a page past the end.
	p.More = len(res.Sessions) >= int(cfg.pageSize) || p.NextOffset < p.TotalResult
	if p.TotalResult == 0 && len(res.Sessions) == 0 {
		p.More = false
	}
	return p, nil
}

// maxEmptyPages bounds how many consecutive pages without visible sessions
// List requests before it gives up, guarding against a server whose
// total_result never shrinks. (A server ignoring the offset is caught by
// comparing consecutive pages.)
const maxEmptyPages = 1000

// List iterates over all sessions matching the filters that the caller may
// see, page by page ([PageSize], default [DefaultPageSize]), sorted by
// creation date ascending unless [SortByCreationDate] says otherwise. It
// stops at the first error, which it yields.
//
//	for s, err := range c.List(ctx, session.ByUserID(userID)) {
//		if err != nil { return err }
//		...
//	}
func (c *Client) List(ctx context.Context, opts ...ListOption) iter.Seq2[*Session, error] {
	cfg := listConfig{pageSize: DefaultPageSize}
	for _, o := range opts {
		if o != nil {
			o.applyList(&cfg)
		}
	}
	if !cfg.sortSet {
		cfg.sort, cfg.asc = true, true
	}
	if cfg.pageSize == 0 {
		cfg.pageSize = DefaultPageSize
	}
	return func(yield func(*Session, error) bool) {
		var offset uint64
		var prevFirst string
		empty := 0
		for {
			p, err := c.listPage(ctx, &cfg, offset)
			if err != nil {
				yield(nil, err)
				return
			}
			if cfg.total != nil && p.TotalResult > *cfg.total {
				*cfg.total = p.TotalResult
			}
			if len(p.Sessions) > 0 {
				// A server that ignores the offset would return the same
				// page forever.
				if offset > 0 && p.Sessions[0].ID == prevFirst {
					return
				}
				prevFirst = p.Sessions[0].ID
			}
			for _, s := range p.Sessions {
				if !yield(s, nil) {
					return
				}
			}
			if len(p.Sessions) == 0 {
				empty++
			} else {
				empty = 0
			}
			if !p.More || p.NextOffset <= offset || empty >= maxEmptyPages {
				return
			}
			offset = p.NextOffset
		}
	}
}

// String describes the filter.
func (f Filter) String() string { return fmt.Sprintf("session.Filter(%v)", f.q) }

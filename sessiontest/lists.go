package sessiontest

import (
	"context"
	"sort"
	"time"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/types/known/timestamppb"

	zitadelv1 "github.com/sessionkit/zitadel-session-go/gen/zitadel"
	objectv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/object/v2"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

// DefaultMaxListPage is how many sessions one ListSessions response holds at
// most unless WithLimits sets another Limits.MaxListPage.
const DefaultMaxListPage = 1000

type listRow struct {
	num uint64
	ss  *session
}

// ListSessions works as Zitadel's: filters, then count, then paging, then
// the per-row visibility check (rows the caller may not see are dropped
// after counting and paging, so total_result counts them).
func (h *handler) ListSessions(ctx context.Context, req *sessionv2.ListSessionsRequest) (*sessionv2.ListSessionsResponse, error) {
	s := h.s
	if err := validateRequest(req); err != nil {
		return nil, err
	}
	c := callerFrom(ctx)
	filters := make([]func(*session) bool, 0, len(req.GetQueries()))
	for _, q := range req.GetQueries() {
		f, err := buildFilter(c, q)
		if err != nil {
			return nil, err
		}
		filters = append(filters, f)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := micros(s.clock.Now())
	var rows []listRow
	for n, ss := range s.sessions {
		ok := s.listed(ss, now)
		for _, f := range filters {
			if !ok {
				break
			}
			ok = f(ss)
		}
		if ok {
			rows = append(rows, listRow{num: n, ss: ss})
		}
	}
	q := req.GetQuery()
	if req.GetSortingColumn() == sessionv2.SessionFieldName_SESSION_FIELD_NAME_CREATION_DATE {
		asc := q.GetAsc()
		sort.Slice(rows, func(i, j int) bool {
			a, b := rows[i], rows[j]
			if a.ss.created != b.ss.created {
				return (a.ss.created < b.ss.created) == asc
			}
			return (a.num < b.num) == asc
		})
	} else {
		sort.Slice(rows, func(i, j int) bool { return rows[i].num < rows[j].num })
	}
	total := uint64(len(rows))
	off := q.GetOffset()
	if off >= total {
		rows = nil
	} else {
		rows = rows[off:]
	}
	limit := uint64(q.GetLimit())
	if limit == 0 || limit > uint64(s.cfg.maxListPage) {
		limit = uint64(s.cfg.maxListPage) // Zitadel: 0 = no limit; the test server caps a page
	}
	if uint64(len(rows)) > limit {
		rows = rows[:limit]
	}
	if len(rows) == 0 {
		total = 0
	}
	resp := &sessionv2.ListSessionsResponse{Details: &objectv2.ListDetails{TotalResult: total}, Sessions: []*sessionv2.Session{}}
	if s.lastWrite != 0 {
		resp.Details.Timestamp = timestamppb.New(fromMicros(s.lastWrite))
	}
	for _, r := range rows {
		if freeRead(c, r.ss) || c.hasPermission(permRead, orgOf(r.ss)) {
			resp.Sessions = append(resp.Sessions, s.toProto(r.ss, formatUint(r.num)))
		}
	}
	return resp, nil
}

// listed reports whether ListSessions shows ss at now. Without projection
// lag that is the read side (visible); with WithProjectionLag, a new session
// appears only after the list lag, and a deleted one stays listed for it.
func (s *Server) listed(ss *session, now int64) bool {
	lag := s.cfg.listLag.Microseconds()
	if ss.flags&flagTerminated != 0 {
		return lag > 0 && now < ss.terminated+lag && now >= ss.created+lag
	}
	return ss.visible() && now >= ss.created+lag
}

func compareTime(method zitadelv1.TimestampQueryMethod, v, ref int64) bool {
	switch method {
	case zitadelv1.TimestampQueryMethod_TIMESTAMP_QUERY_METHOD_GREATER:
		return v > ref
	case zitadelv1.TimestampQueryMethod_TIMESTAMP_QUERY_METHOD_GREATER_OR_EQUALS:
		return v >= ref
	case zitadelv1.TimestampQueryMethod_TIMESTAMP_QUERY_METHOD_LESS:
		return v < ref
	case zitadelv1.TimestampQueryMethod_TIMESTAMP_QUERY_METHOD_LESS_OR_EQUALS:
		return v <= ref
	default:
		return v == ref
	}
}

func buildFilter(c *caller, q *sessionv2.SearchQuery) (func(*session) bool, error) {
	switch x := q.GetQuery().(type) {
	case *sessionv2.SearchQuery_IdsQuery:
		set := make(map[uint64]struct{}, len(x.IdsQuery.GetIds()))
		for _, id := range x.IdsQuery.GetIds() {
			if n, ok := parseSessionID(id); ok {
				set[n] = struct{}{}
			}
		}
		return func(ss *session) bool { _, ok := set[ss.num]; return ok }, nil
	case *sessionv2.SearchQuery_UserIdQuery:
		id := x.UserIdQuery.GetId()
		return func(ss *session) bool { return ss.user != nil && ss.user.id == id }, nil
	case *sessionv2.SearchQuery_CreationDateQuery:
		ref := x.CreationDateQuery.GetCreationDate().AsTime().Truncate(time.Microsecond).UnixMicro()
		m := x.CreationDateQuery.GetMethod()
		return func(ss *session) bool { return compareTime(m, ss.created, ref) }, nil
	case *sessionv2.SearchQuery_CreatorQuery:
		id := c.user.id
		if x.CreatorQuery != nil && x.CreatorQuery.Id != nil {
			if x.CreatorQuery.GetId() == "" {
				return nil, zerr(connect.CodeInvalidArgument, zitadelerr.ListCreatorInvalid, keyListQueryInvalid)
			}
			id = x.CreatorQuery.GetId()
		}
		return func(ss *session) bool { return ss.creator == id }, nil
	case *sessionv2.SearchQuery_UserAgentQuery:
		fp := c.agent
		if x.UserAgentQuery != nil && x.UserAgentQuery.FingerprintId != nil {
			fp = x.UserAgentQuery.GetFingerprintId()
		}
		if fp == "" {
			return nil, zerr(connect.CodeInvalidArgument, zitadelerr.ListUserAgentInvalid, keyListQueryInvalid)
		}
		return func(ss *session) bool {
			return ss.agent != nil && ss.agent.fingerprint != nil && *ss.agent.fingerprint == fp
		}, nil
	case *sessionv2.SearchQuery_ExpirationDateQuery:
		ref := x.ExpirationDateQuery.GetExpirationDate().AsTime().Truncate(time.Microsecond).UnixMicro()
		m := x.ExpirationDateQuery.GetMethod()
		orNone := m == zitadelv1.TimestampQueryMethod_TIMESTAMP_QUERY_METHOD_GREATER || m == zitadelv1.TimestampQueryMethod_TIMESTAMP_QUERY_METHOD_GREATER_OR_EQUALS
		return func(ss *session) bool {
			if ss.expiration == 0 {
				return orNone
			}
			return compareTime(m, ss.expiration, ref)
		}, nil
	}
	return func(*session) bool { return false }, nil
}

package session

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connectinprocess"

	objectv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/object/v2"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
)

// fakeLister serves ListSessions from a function of (offset, limit).
type fakeLister struct {
	sessionv2connect.UnimplementedSessionServiceHandler
	page  func(offset uint64, limit uint32) ([]string, uint64)
	calls atomic.Int64
	last  atomic.Pointer[sessionv2.ListSessionsRequest]
}

func (f *fakeLister) ListSessions(_ context.Context, req *sessionv2.ListSessionsRequest) (*sessionv2.ListSessionsResponse, error) {
	f.calls.Add(1)
	f.last.Store(req)
	ids, total := f.page(req.GetQuery().GetOffset(), req.GetQuery().GetLimit())
	res := &sessionv2.ListSessionsResponse{Details: &objectv2.ListDetails{TotalResult: total}}
	for _, id := range ids {
		res.Sessions = append(res.Sessions, &sessionv2.Session{Id: id})
	}
	return res, nil
}

func newFakeListClient(t *testing.T, f *fakeLister) *Client {
	srv := connect.NewServer()
	sessionv2connect.RegisterSessionServiceHandler(srv, f)
	c, err := New("", WithTransport(connectinprocess.New(srv)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func collect(t *testing.T, c *Client, opts ...ListOption) []string {
	var ids []string
	for s, err := range c.List(context.Background(), opts...) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	return ids
}

func TestListPagingTermination(t *testing.T) {
	// 5 rows; rows 1 and 2 are invisible (dropped after paging, still counted);
	// total_result is 0 for a page past the end, as in Zitadel.
	rows := []string{"a", "b", "c", "d", "e"}
	visible := map[string]bool{"a": true, "d": true, "e": true}
	f := &fakeLister{page: func(off uint64, lim uint32) ([]string, uint64) {
		if off >= uint64(len(rows)) {
			return nil, 0
		}
		end := min(off+uint64(lim), uint64(len(rows)))
		var out []string
		for _, r := range rows[off:end] {
			if visible[r] {
				out = append(out, r)
			}
		}
		return out, uint64(len(rows))
	}}
	c := newFakeListClient(t, f)
	if got := collect(t, c, PageSize(2)); len(got) != 3 || got[0] != "a" || got[1] != "d" || got[2] != "e" {
		t.Errorf("got %v", got)
	}
	// Pages at offsets 0, 2, 4 (the last one short): 3 calls, no extra.
	if n := f.calls.Load(); n != 3 {
		t.Errorf("%d calls, want 3", n)
	}
	req := f.last.Load()
	if req.SortingColumn != sessionv2.SessionFieldName_SESSION_FIELD_NAME_CREATION_DATE || !req.Query.Asc || req.Query.Limit != 2 {
		t.Errorf("List request not sorted ascending with limit: %v", req)
	}

	// A server reporting total_result = len(page) (relational mode): full
	// pages continue, the first short page ends.
	f2 := &fakeLister{page: func(off uint64, lim uint32) ([]string, uint64) {
		var out []string
		for i := off; i < min(off+uint64(lim), 7); i++ {
			out = append(out, strconv.FormatUint(i, 10))
		}
		return out, uint64(len(out))
	}}
	if got := collect(t, newFakeListClient(t, f2), PageSize(3)); len(got) != 7 {
		t.Errorf("relational mode: got %v", got)
	}

	// A broken server that always claims more and returns nothing: bounded.
	f3 := &fakeLister{page: func(uint64, uint32) ([]string, uint64) { return nil, 1 << 62 }}
	if got := collect(t, newFakeListClient(t, f3), PageSize(1)); len(got) != 0 {
		t.Errorf("got %v", got)
	}
	if n := f3.calls.Load(); n != maxEmptyPages {
		t.Errorf("%d calls to a broken server, want %d", n, maxEmptyPages)
	}

	// A broken server that ignores the offset and returns the same full
	// page forever: detected, each session yielded once.
	f4 := &fakeLister{page: func(uint64, uint32) ([]string, uint64) { return []string{"x"}, 1 }}
	if got := collect(t, newFakeListClient(t, f4), PageSize(1)); len(got) != 1 || f4.calls.Load() != 2 {
		t.Errorf("offset-ignoring server: got %v after %d calls", got, f4.calls.Load())
	}

	// ListPage without PageSize: DefaultPageSize (all 5 rows here), single
	// page, order left to server.
	p, err := c.ListPage(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if f.last.Load().SortingColumn != sessionv2.SessionFieldName_SESSION_FIELD_NAME_UNSPECIFIED || p.More {
		t.Errorf("ListPage defaults: %+v", p)
	}
}

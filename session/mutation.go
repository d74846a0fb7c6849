package session

import (
	"fmt"
	"maps"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	objectv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/object/v2"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
)

// CreateOption is anything [Client.Create] accepts: a [Check], a
// [Challenge], [Metadata] / [MetadataMap], [Lifetime], a [UserAgent] or
// [Details].
type CreateOption interface {
	applyCreate(*mutation)
}

// SetOption is anything [Handle.Set] accepts: a [Check], a [Challenge],
// [Metadata] / [MetadataMap], [Lifetime] or [Details]. (The user agent
// cannot be changed after creation, so a [UserAgent] is a CreateOption
// only.)
type SetOption interface {
	CreateOption
	setOption()
}

// apply applies o to m. It dispatches with a type switch rather than
// through the interface method so that the compiler can keep the options
// (and the variadic slice holding them) on the caller's stack.
func (m *mutation) apply(o CreateOption) {
	switch o := o.(type) {
	case Check:
		m.addCheck(o)
	case Challenge:
		o.applyCreate(m)
	case metadataOption:
		o.applyCreate(m)
	case lifetimeOption:
		o.applyCreate(m)
	case UserAgent:
		o.applyCreate(m)
	case *UserAgent:
		if o != nil {
			o.applyCreate(m)
		}
	case detailsOption:
		o.applyCreate(m)
	}
}

// mutation collects the parts shared by CreateSession and SetSession.
type mutation struct {
	checks     *sessionv2.Checks
	challenges *sessionv2.RequestChallenges
	metadata   map[string][]byte
	lifetime   *durationpb.Duration
	userAgent  *sessionv2.UserAgent
	details    *ChangeDetails
	err        error
}

// metadataOption sets metadata entries.
type metadataOption struct {
	key   string
	value []byte
	all   map[string][]byte
}

// Metadata sets one metadata entry. Zitadel replaces the whole metadata of a
// session with the entries of the request that changes it (keys not sent
// again are dropped) and ignores empty values, so an empty value is rejected
// locally rather than silently doing nothing.
func Metadata(key string, value []byte) SetOption {
	return metadataOption{key: key, value: value}
}

// MetadataMap sets several metadata entries; see [Metadata] for Zitadel's
// replace semantics. The entries are copied when the request is built.
func MetadataMap(m map[string][]byte) SetOption {
	return metadataOption{all: m}
}

func (o metadataOption) applyCreate(m *mutation) {
	if m.err != nil {
		return
	}
	if m.metadata == nil {
		m.metadata = make(map[string][]byte, max(1, len(o.all)))
	}
	if o.all == nil {
		o.all = map[string][]byte{o.key: o.value}
	}
	for k, v := range maps.All(o.all) {
		if len(v) == 0 {
			m.err = fmt.Errorf("metadata %q has an empty value: Zitadel ignores empty values (it does not delete the key); "+
				"metadata is replaced as a whole by every request that sets it", k)
			return
		}
		if _, dup := m.metadata[k]; dup {
			m.err = fmt.Errorf("metadata %q set twice in one request", k)
			return
		}
		m.metadata[k] = v
	}
}

func (metadataOption) setOption() {}

type lifetimeOption time.Duration

// Lifetime sets the session to expire d after this request is processed
// (Create or Set; a Set resets the expiration). d must be positive. An
// expiration cannot be removed once set.
func Lifetime(d time.Duration) SetOption { return lifetimeOption(d) }

func (o lifetimeOption) applyCreate(m *mutation) {
	if m.err != nil {
		return
	}
	if m.lifetime != nil {
		m.err = fmt.Errorf("lifetime set twice in one request")
		return
	}
	m.lifetime = durationpb.New(time.Duration(o))
}

func (lifetimeOption) setOption() {}

// UserAgent describes the browser or device a session belongs to. It can only
// be set at creation.
type UserAgent struct {
	// FingerprintID identifies the user agent (e.g. a device cookie).
	FingerprintID string
	// IP is the user agent's IP address; Zitadel drops unparsable values.
	IP string
	// Description is free text, e.g. the User-Agent header.
	Description string
	// Header holds selected HTTP headers of the user agent.
	Header map[string][]string
}

// IsZero reports whether no field is set.
func (u UserAgent) IsZero() bool {
	return u.FingerprintID == "" && u.IP == "" && u.Description == "" && len(u.Header) == 0
}

// applyCreate makes a UserAgent a [CreateOption]: passed to [Client.Create]
// it records the user agent. A zero UserAgent records none (Zitadel stores
// an all-empty user agent as none); of several, the last non-zero one wins.
func (u UserAgent) applyCreate(m *mutation) {
	if m.err != nil {
		return
	}
	if p := u.toProto(); p != nil {
		m.userAgent = p
	}
}

// ChangeDetails is what Zitadel reports about a successful CreateSession or
// SetSession.
type ChangeDetails struct {
	// Sequence is the sequence of the last event written for the session;
	// it increases with every change (monotonic, not contiguous). A Set that
	// changed nothing reports the session's current sequence.
	Sequence uint64
	// ChangedAt is the time of that event.
	ChangedAt time.Time
	// ResourceOwner is the owner of the session: the instance ID.
	ResourceOwner string
}

type detailsOption struct{ d *ChangeDetails }

// Details makes [Client.Create] or [Handle.Set] store what Zitadel reports
// about the change in *d when the call succeeds; *d is left unchanged when
// it fails. (Like grpc.Header, it is an option that receives a result.)
func Details(d *ChangeDetails) SetOption { return detailsOption{d} }

func (o detailsOption) applyCreate(m *mutation) {
	if m.err != nil {
		return
	}
	if o.d == nil {
		m.err = fmt.Errorf("Details(nil): pass a pointer to a ChangeDetails")
		return
	}
	m.details = o.d
}

func (detailsOption) setOption() {}

// storeDetails fills the caller's *ChangeDetails of a [Details] option
// with the details of a successful call (err == nil).
func (m *mutation) storeDetails(p *objectv2.Details, err error) {
	if m.details == nil || err != nil {
		return
	}
	*m.details = ChangeDetails{Sequence: p.GetSequence(), ChangedAt: toTime(p.GetChangeDate()), ResourceOwner: p.GetResourceOwner()}
}

// toProto returns u as the generated message, or nil when u is zero
// (Zitadel stores an all-empty user agent as none).
func (u UserAgent) toProto() *sessionv2.UserAgent {
	if u.IsZero() {
		return nil
	}
	p := &sessionv2.UserAgent{}
	if u.FingerprintID != "" {
		p.FingerprintId = &u.FingerprintID
	}
	if u.IP != "" {
		p.Ip = &u.IP
	}
	if u.Description != "" {
		p.Description = &u.Description
	}
	if len(u.Header) > 0 {
		p.Header = make(map[string]*sessionv2.UserAgent_HeaderValues, len(u.Header))
		for k, v := range u.Header {
			p.Header[k] = &sessionv2.UserAgent_HeaderValues{Values: v}
		}
	}
	return p
}

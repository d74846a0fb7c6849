package interceptors

import (
	"testing"
	"time"

	"connectrpc.com/connect/v2"
)

func TestRetryPolicyDefaults(t *testing.T) {
	p := RetryPolicy{}.normalized()
	if p.MaxAttempts != 3 || p.InitialBackoff != 100*time.Millisecond || p.MaxBackoff != 2*time.Second ||
		p.Multiplier != 2 || p.Jitter != 0.2 {
		t.Fatalf("defaults = %+v", p)
	}
	if len(p.RetryableCodes) != 2 || p.RetryableCodes[0] != connect.CodeUnavailable || p.RetryableCodes[1] != connect.CodeResourceExhausted {
		t.Fatalf("default codes = %v", p.RetryableCodes)
	}
}

func TestRetryBackoffGrowsAndIsCapped(t *testing.T) {
	p := RetryPolicy{InitialBackoff: 100 * time.Millisecond, MaxBackoff: time.Second, Multiplier: 2, Jitter: -1}.normalized()
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second}
	for i, w := range want {
		if got := p.backoff(i + 1); got != w {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	p.Jitter = 0.5
	for range 1000 {
		if d := p.backoff(2); d < 100*time.Millisecond || d > 300*time.Millisecond {
			t.Fatalf("jittered backoff %v outside [100ms, 300ms]", d)
		}
		if d := p.backoff(10); d > time.Second {
			t.Fatalf("jittered backoff %v above MaxBackoff", d)
		}
	}
}

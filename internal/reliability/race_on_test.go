//go:build race

package reliability

// raceEnabled: the race detector slows the server ~12x (bcrypt, HTTP/2
// framing), so the load test runs fewer flows per worker under -race.
const raceEnabled = true

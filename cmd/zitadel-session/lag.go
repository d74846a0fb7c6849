package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// parseProjectionLag parses serve's --projection-lag "LIST[,USER]" (USER
// defaults to LIST) into the server option; "" is no lag.
func parseProjectionLag(v string) (sessiontest.Option, error) {
	if v == "" {
		return nil, nil
	}
	listPart, userPart, hasUser := strings.Cut(v, ",")
	list, err := time.ParseDuration(strings.TrimSpace(listPart))
	if err != nil || list < 0 {
		return nil, fmt.Errorf("%q: the list lag must be a duration such as 30ms", listPart)
	}
	users := list
	if hasUser {
		if users, err = time.ParseDuration(strings.TrimSpace(userPart)); err != nil || users < 0 {
			return nil, fmt.Errorf("%q: the user lag must be a duration such as 120ms", userPart)
		}
	}
	return sessiontest.WithProjectionLag(list, users), nil
}

package main

import (
	"errors"
	"time"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// timeNow is time.Now; a variable only so tests share one clock source.
var timeNow = time.Now

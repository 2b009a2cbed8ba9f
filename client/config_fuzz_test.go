package client

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseConfig feeds arbitrary "key=value" lines to the config parsers.
// They must never panic, and every rejection must be a non-empty
// ErrInvalidArg error.
func FuzzParseConfig(f *testing.F) {
	f.Add("group.id=g\nauto.offset.reset=earliest\nenable.auto.commit=false")
	f.Add("session.timeout.ms=6000\nmax.poll.interval.ms=1")
	f.Add("partition.assignment.strategy=range,cooperative-sticky")
	f.Add("group.id=g\nauto.commit.interval.ms=-5")
	f.Add("group.id=g\nenable.auto.commit=maybe")
	f.Add("acks=all\nenable.idempotence=true\nlinger.ms=99999999999999999999")
	f.Add("kafkasim.auto.commit.mode=java\ngroup.id=x")
	f.Add("no.such.key=1")
	f.Fuzz(func(t *testing.T, text string) {
		m := ConfigMap{}
		for line := range strings.SplitSeq(text, "\n") {
			_ = m.Set(line) // a line without "=" is rejected; the rest still parse
		}
		check := func(err error) {
			if err == nil {
				return
			}
			if !errors.Is(err, ErrInvalidArg) {
				t.Fatalf("rejection %v is not ErrInvalidArg", err)
			}
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("empty error message")
			}
		}
		_, cerr := ParseConsumerConfig(m)
		check(cerr)
		_, perr := ParseProducerConfig(m)
		check(perr)
	})
}

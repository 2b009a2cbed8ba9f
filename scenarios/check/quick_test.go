package check

import (
	"testing"
)

func TestQuick(t *testing.T) {
	rows := []struct {
		name string
		g    Guarantee
		h    Handler
	}{
		{"after-each", AtLeastOnce, Handler{Strategy: CommitAfterEach}},
		{"after-each-async", AtLeastOnce, Handler{Strategy: CommitAfterEach, Async: true}},
		{"every-5", AtLeastOnce, Handler{Strategy: CommitEvery(5)}},
		{"store-after", AtLeastOnce, Handler{Strategy: StoreAfterProcess}},
		{"java", AtLeastOnce, Handler{Strategy: AutoCommitJava}},
		{"before", AtMostOnce, Handler{Strategy: CommitBeforeProcess}},
		{"idem", EffectivelyOnce, Handler{Strategy: CommitAfterEach, Idempotent: true}},
		{"auto", NoGuarantee, Handler{Strategy: AutoCommit}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			TestConsumer(t, Config{Guarantee: r.g, Handler: r.h, Dir: "/tmp/chk", Cases: 500})
		})
	}
}
